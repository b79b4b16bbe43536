"""API tokens: shown once, stored as a hash, bound to an organisation and a role."""

from __future__ import annotations

import hashlib

import pytest

from ecredit.accounts.actions import (
    AccountError,
    authenticate_token,
    create_organisation,
    create_token,
    revoke_token,
)
from ecredit.accounts.models import ApiToken
from ecredit.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_only_the_hash_of_a_token_is_stored(market_regulation, admin_actor):
    _token, text = create_token(admin_actor, market_regulation, "submitter")
    stored = ApiToken.objects.get()
    assert stored.token_hash == hashlib.sha256(text.encode()).hexdigest()
    assert text not in str(ApiToken.objects.values().get())
    assert text.startswith(stored.prefix)


def test_a_token_authenticates_as_its_organisation_until_revoked(market_regulation, admin_actor):
    token, text = create_token(admin_actor, market_regulation, "submitter")
    actor = authenticate_token(text)
    assert (actor.role, actor.provider_key, actor.organisation_id) == (
        "submitter",
        "market-regulation",
        market_regulation.pk,
    )
    revoke_token(admin_actor, token)
    assert authenticate_token(text) is None


@pytest.mark.parametrize("text", ["", "ecr_", "ecr_" + "a" * 500, "Bearer x", "\x00", "ecr_\u202e"])
def test_garbage_tokens_do_not_authenticate(db, text):
    assert authenticate_token(text) is None


def test_a_role_must_fit_the_organisation_kind(market_regulation, admin_actor):
    with pytest.raises(AccountError, match="not available to a department"):
        create_token(admin_actor, market_regulation, "reader")


def test_a_submitter_needs_a_provider(db, admin_actor):
    bank = create_organisation(admin_actor, kind="bank", name="杭州银行", key="hz-bank")
    with pytest.raises(AccountError):
        create_token(admin_actor, bank, "submitter")


def test_an_enterprise_organisation_needs_its_enterprise(db, admin_actor):
    with pytest.raises(AccountError, match="subject-id"):
        create_organisation(admin_actor, kind="enterprise", name="某公司")


def test_unknown_provider_is_refused(db, admin_actor):
    with pytest.raises(AccountError, match="responsibility list"):
        create_organisation(admin_actor, kind="department", name="x", provider_key="nobody")


def test_every_account_write_is_audited(market_regulation, admin_actor):
    create_token(admin_actor, market_regulation, "submitter")
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "organisation.create",
        "token.create",
    ]
