"""Test data builders shared by app tests and end-to-end tests."""

from __future__ import annotations

from ecredit.core.identifiers import make_uscc


def uscc(n: int, region: str = "330106", prefix: str = "91") -> str:
    """The n-th valid test USCC."""
    return make_uscc(prefix[0], prefix[1], region, f"{n:08d}")
