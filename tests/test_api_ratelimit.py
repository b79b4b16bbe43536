"""The API counts requests per client (token, else IP) and answers 429 with a way forward."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from ecredit.web.ratelimit import Rate

pytestmark = pytest.mark.django_db


@pytest.fixture
def limited(settings):
    cache.clear()
    settings.API_ANONYMOUS_RATE = Rate(3, 60)
    settings.API_TOKEN_RATE = Rate(5, 60)
    yield settings
    cache.clear()


def test_an_anonymous_client_gets_its_limit_then_a_clear_429(client, limited):
    answers = [client.get("/api/v1/enterprises", {"q": "杭州"}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    refused = answers[-1]
    assert refused["Content-Type"] == "application/json; charset=utf-8"
    retry = int(refused["Retry-After"])
    assert 1 <= retry <= 60
    body = refused.json()
    assert body["limit"] == 3 and body["window_seconds"] == 60
    assert body["retry_after_seconds"] == retry
    assert body["client"] == "your IP address"
    assert f"Wait {retry} seconds" in body["detail"] and "/api/v1/docs" in body["help"]


def test_clients_are_counted_apart(client, limited):
    for _ in range(3):
        assert client.get("/api/v1/lists/types").status_code == 200
    assert client.get("/api/v1/lists/types").status_code == 429
    # another address has its own window
    assert client.get("/api/v1/lists/types", REMOTE_ADDR="10.0.0.9").status_code == 200
    # pages are not limited
    assert client.get("/dictionary/").status_code == 200


def test_a_token_has_its_own_higher_limit(client, limited, admin_actor):
    from ecredit.accounts.actions import create_organisation, create_token

    org = create_organisation(
        admin_actor,
        kind="department",
        name="杭州市市场监督管理局",
        provider_key="market-regulation",
        key="hz-amr",
    )
    _row, text = create_token(admin_actor, org, "submitter")
    headers = {"Authorization": f"Bearer {text}"}
    codes = [client.get("/api/v1/lists/types", headers=headers).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert client.get("/api/v1/lists/types").status_code == 200  # the IP's own window is untouched


def test_invented_tokens_are_charged_to_the_address(client, limited):
    codes = [
        client.get(
            "/api/v1/enterprises", {"q": "x"}, headers={"Authorization": f"Bearer ecr_invented{i}"}
        ).status_code
        for i in range(5)
    ]
    assert codes == [401, 401, 401, 429, 429]


def test_rates_parse_or_say_what_is_wrong():
    assert Rate.parse("120/60") == Rate(120, 60)
    assert Rate.parse("off") is None
    with pytest.raises(ValueError, match="REQUESTS/SECONDS"):
        Rate.parse("lots")
