"""Settings from the environment: defaults, required values, clear messages."""

from __future__ import annotations

import pytest

from ecredit.web import config


@pytest.fixture
def env(monkeypatch, tmp_path):
    for k in (
        "DATABASE_URL",
        "ECREDIT_SECRET_KEY",
        "ECREDIT_ENV",
        "ECREDIT_ALLOWED_HOSTS",
        "ECREDIT_DEBUG",
        "ECREDIT_LEDGER_ORIGIN",
        "ECREDIT_LEDGER_ALGORITHM",
        "ECREDIT_API_RATE",
        "ECREDIT_API_TOKEN_RATE",
    ):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("ECREDIT_DATA_DIR", str(tmp_path))
    return monkeypatch


def test_defaults_are_sqlite_in_the_data_dir_and_a_generated_key(env, tmp_path):
    c = config.load()
    assert c.database_url == f"sqlite:///{tmp_path / 'ecredit.sqlite3'}"
    assert (tmp_path / "secret_key").read_text().strip() == c.secret_key
    assert len(c.secret_key) >= 50
    assert config.load().secret_key == c.secret_key  # kept between starts
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_requires_a_secret_key(env):
    env.setenv("ECREDIT_ENV", "production")
    env.setenv("ECREDIT_ALLOWED_HOSTS", "credit.example.cn")
    with pytest.raises(config.ConfigurationError, match="ECREDIT_SECRET_KEY is required"):
        config.load()


def test_production_requires_allowed_hosts(env):
    env.setenv("ECREDIT_ENV", "production")
    env.setenv("ECREDIT_SECRET_KEY", "k" * 50)
    with pytest.raises(config.ConfigurationError, match="ECREDIT_ALLOWED_HOSTS"):
        config.load()


def test_unknown_environment_is_named(env):
    env.setenv("ECREDIT_ENV", "staging")
    with pytest.raises(config.ConfigurationError, match="'staging'"):
        config.load()


def test_unsupported_database_is_named(env):
    env.setenv("DATABASE_URL", "mysql://root@localhost/x")
    with pytest.raises(config.ConfigurationError, match="mysql"):
        config.load()


def test_postgres_url_is_taken(env):
    env.setenv("DATABASE_URL", "postgresql://u@127.0.0.1:5432/ecredit")
    assert config.load().database_url == "postgresql://u@127.0.0.1:5432/ecredit"


def test_the_ledger_defaults_and_bad_ledger_settings(env):
    c = config.load()
    assert (c.ledger_origin, c.ledger_algorithm) == ("ecredit.local/ledger", "sha256")
    env.setenv("ECREDIT_LEDGER_ALGORITHM", "SM3")
    assert config.load().ledger_algorithm == "sm3"
    env.setenv("ECREDIT_LEDGER_ALGORITHM", "md5")
    with pytest.raises(config.ConfigurationError, match=r"choose sha256 \(default\) or sm3"):
        config.load()
    env.delenv("ECREDIT_LEDGER_ALGORITHM")
    for bad in ("two words", "a+b", "x" * 201):
        env.setenv("ECREDIT_LEDGER_ORIGIN", bad)
        with pytest.raises(config.ConfigurationError, match="ECREDIT_LEDGER_ORIGIN"):
            config.load()


def test_the_public_url_default_and_bad_values(env):
    assert config.load().public_url == "http://127.0.0.1:8000"
    env.setenv("ECREDIT_PUBLIC_URL", "https://credit.example.gov.cn/")
    assert config.load().public_url == "https://credit.example.gov.cn"
    for bad in ("credit.example", "ftp://x.example", "https://x.example/?a=1", "https://"):
        env.setenv("ECREDIT_PUBLIC_URL", bad)
        with pytest.raises(config.ConfigurationError, match="ECREDIT_PUBLIC_URL"):
            config.load()


def test_api_rates_default_per_client_and_refuse_nonsense(env):
    c = config.load()
    assert (c.api_rate, c.api_token_rate) == ("120/60", "1200/60")
    env.setenv("ECREDIT_API_RATE", "off")
    env.setenv("ECREDIT_API_TOKEN_RATE", "5000/3600")
    c = config.load()
    assert (c.api_rate, c.api_token_rate) == ("off", "5000/3600")
    env.setenv("ECREDIT_API_RATE", "120 per minute")
    with pytest.raises(config.ConfigurationError, match="ECREDIT_API_RATE='120 per minute'"):
        config.load()
