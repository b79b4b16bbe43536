"""Schemathesis generates requests from our own OpenAPI schema, valid and invalid, and checks that
no input, however malformed, gets a server error or a response outside the schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from ecredit.web.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def token(db):
    from ecredit.accounts.actions import create_organisation, create_token
    from ecredit.accounts.principals import Actor

    actor = Actor.system("fuzz")
    org = create_organisation(
        actor, kind="department", name="fuzz", key="fuzz", provider_key="market-regulation"
    )
    return create_token(actor, org, "submitter")[1]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
