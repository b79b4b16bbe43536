"""Shared test fixtures. Tests run against a throwaway data directory, never the developer's var/."""

from __future__ import annotations

import pytest

# the `browser` fixture of the browser tests (Debian's Chromium through Playwright)
pytest_plugins = ["tests.browser"]


@pytest.fixture
def admin_actor():
    from ecredit.accounts.principals import Actor

    return Actor.system("test")


@pytest.fixture
def market_regulation(db, admin_actor):
    from ecredit.accounts.actions import create_organisation

    return create_organisation(
        admin_actor,
        kind="department",
        name="杭州市市场监督管理局",
        key="hz-amr",
        provider_key="market-regulation",
    )


@pytest.fixture
def submitter_token(market_regulation, admin_actor):
    from ecredit.accounts.actions import create_token

    return create_token(admin_actor, market_regulation, "submitter")[1]


@pytest.fixture
def submitter_actor(submitter_token):
    from ecredit.accounts.actions import authenticate_token

    return authenticate_token(submitter_token)
