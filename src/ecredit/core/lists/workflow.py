"""The states a list entry moves through, and which action moves it where.

proposed ──notify──► notified ──list──► decided ──publish──► published ──remove──► removed
    │                   │                  │                     │
    └──dismiss──► dismissed ◄──dismiss─────┘     any open state ──revoke (objection upheld)──► revoked

`list` needs the objection window to have ended and no open objection; an entry decided by the
rating engine moves through the same states, driven by the periodic sweep.
"""

from __future__ import annotations

from datetime import date, timedelta

STATES = ("proposed", "notified", "decided", "published", "dismissed", "removed", "revoked")
OPEN_STATES = ("proposed", "notified", "decided", "published")
ACTIONS = ("propose", "notify", "list", "dismiss", "publish", "remove", "revoke")

TRANSITIONS: dict[tuple[str, str], str] = {
    ("proposed", "notify"): "notified",
    ("proposed", "dismiss"): "dismissed",
    ("notified", "list"): "decided",
    ("notified", "dismiss"): "dismissed",
    ("decided", "publish"): "published",
    ("decided", "dismiss"): "dismissed",
    ("published", "remove"): "removed",
    ("proposed", "revoke"): "revoked",
    ("notified", "revoke"): "revoked",
    ("decided", "revoke"): "revoked",
    ("published", "revoke"): "revoked",
}


class IllegalTransition(ValueError):
    """An action that the entry's state does not allow; the message says what would."""


def allowed_actions(state: str) -> list[str]:
    return [a for (s, a) in TRANSITIONS if s == state]


def next_state(state: str, action: str) -> str:
    """The state after `action`, or `IllegalTransition` saying which actions the state allows."""
    if action not in ACTIONS:
        raise IllegalTransition(f"unknown action {action!r}; actions: {', '.join(ACTIONS)}")
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        allowed = allowed_actions(state)
        raise IllegalTransition(
            f"an entry that is {state} cannot be {action!r}-ed; "
            + (f"it can: {', '.join(allowed)}" if allowed else "it is closed")
        ) from None


def add_days(day: date, days: int) -> date:
    return day + timedelta(days=days)


def objection_window_end(notified_on: date, days: int) -> date:
    """The last day the enterprise may object after being notified on `notified_on`."""
    return add_days(notified_on, days)


def last_listed_day(published_on: date, duration_days: int | None) -> date | None:
    """The last day a published entry stays listed; None when it lasts until removed by rule."""
    return None if duration_days is None else add_days(published_on, duration_days)
