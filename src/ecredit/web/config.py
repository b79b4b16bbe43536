"""Settings from the environment, with typed defaults, in one place.

Every value the platform reads from the environment is read here and nowhere else. A missing
required value stops start-up with a message that names it.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ecredit.web.keyfiles import create_once

REPO_ROOT = Path(__file__).resolve().parents[3]
ENVIRONMENTS = ("development", "test", "production")


class ConfigurationError(RuntimeError):
    """A setting is missing or malformed; the message says which and what to do."""


@dataclass(frozen=True)
class Config:
    env: str
    data_dir: Path
    database_url: str
    secret_key: str
    debug: bool
    allowed_hosts: list[str]
    ledger_origin: str = "ecredit.local/ledger"
    ledger_algorithm: str = "sha256"
    public_url: str = "http://127.0.0.1:8000"
    api_rate: str = "120/60"
    api_token_rate: str = "1200/60"  # noqa: S105 - a rate, not a secret

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def _secret_key(env: str, data_dir: Path) -> str:
    key = os.environ.get("ECREDIT_SECRET_KEY", "").strip()
    if key:
        return key
    if env == "production":
        raise ConfigurationError(
            "ECREDIT_SECRET_KEY is required when ECREDIT_ENV=production. "
            'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    return create_once(data_dir / "secret_key", lambda: secrets.token_urlsafe(50))


def load() -> Config:
    """Read the configuration from the environment."""
    env = os.environ.get("ECREDIT_ENV", "development").strip() or "development"
    if env not in ENVIRONMENTS:
        raise ConfigurationError(f"ECREDIT_ENV={env!r} is not one of {', '.join(ENVIRONMENTS)}.")
    data_dir = Path(os.environ.get("ECREDIT_DATA_DIR", "") or REPO_ROOT / "var").resolve()
    database_url = (
        os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{data_dir / 'ecredit.sqlite3'}"
    )
    if not database_url.startswith(("sqlite:", "postgres:", "postgresql:")):
        raise ConfigurationError(
            f"DATABASE_URL={database_url!r}: only sqlite:/// and postgresql:// URLs are supported."
        )
    debug_raw = os.environ.get("ECREDIT_DEBUG", "")
    debug = debug_raw.lower() in ("1", "true", "yes") if debug_raw else False
    hosts_raw = os.environ.get("ECREDIT_ALLOWED_HOSTS", "")
    hosts = [h.strip() for h in hosts_raw.split(",") if h.strip()] or (
        ["localhost", "127.0.0.1", "[::1]", "testserver"] if env != "production" else []
    )
    if env == "production" and not hosts:
        raise ConfigurationError(
            "ECREDIT_ALLOWED_HOSTS is required when ECREDIT_ENV=production "
            "(comma-separated host names the site answers to)."
        )
    origin = os.environ.get("ECREDIT_LEDGER_ORIGIN", "").strip() or "ecredit.local/ledger"
    if any(c.isspace() for c in origin) or "+" in origin or len(origin) > 200:
        raise ConfigurationError(
            f"ECREDIT_LEDGER_ORIGIN={origin!r}: the log's origin is one line without spaces or "
            "'+', at most 200 characters, e.g. credit.example.gov.cn/ledger"
        )
    algorithm = os.environ.get("ECREDIT_LEDGER_ALGORITHM", "").strip().lower() or "sha256"
    if algorithm not in ("sha256", "sm3"):
        raise ConfigurationError(
            f"ECREDIT_LEDGER_ALGORITHM={algorithm!r}: choose sha256 (default) or sm3; it is "
            "fixed when the log's first leaf is written"
        )
    public_url = (
        os.environ.get("ECREDIT_PUBLIC_URL", "").strip() or "http://127.0.0.1:8000"
    ).rstrip("/")
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigurationError(
            f"ECREDIT_PUBLIC_URL={public_url!r}: the address people reach the site at, e.g. "
            "https://credit.example.gov.cn (it goes into certificates and QR codes)"
        )
    rates = {}
    for var, default in (("ECREDIT_API_RATE", "120/60"), ("ECREDIT_API_TOKEN_RATE", "1200/60")):
        raw = os.environ.get(var, "").strip().lower() or default
        count, sep, window = raw.partition("/")
        if raw != "off" and not (sep and count.isdigit() and window.isdigit() and int(window) > 0):
            raise ConfigurationError(
                f"{var}={raw!r}: a rate is REQUESTS/SECONDS per client, e.g. 120/60, or off"
            )
        rates[var] = raw
    return Config(
        env=env,
        data_dir=data_dir,
        database_url=database_url,
        secret_key=_secret_key(env, data_dir),
        debug=debug,
        allowed_hosts=hosts,
        ledger_origin=origin,
        ledger_algorithm=algorithm,
        public_url=public_url,
        api_rate=rates["ECREDIT_API_RATE"],
        api_token_rate=rates["ECREDIT_API_TOKEN_RATE"],
    )
