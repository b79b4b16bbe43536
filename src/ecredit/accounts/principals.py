"""Who is acting: a user, an API token or a command, reduced to what authorisation needs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The party behind a request or command."""

    label: str
    role: str
    organisation_id: int | None = None
    organisation_kind: str | None = None
    provider_key: str = ""
    enterprise_id: int | None = None
    token_id: int | None = None

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        """The platform itself (CLI commands run by an operator on the server)."""
        return cls(label=f"cli:{label}", role="admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_restricted(self) -> bool:
        """Regulators and operators see restricted records; others only their own."""
        return self.role in ("admin", "regulator")

    @property
    def sees_shared(self) -> bool:
        """Shared records are for departments, evaluators and operators."""
        return self.role in ("admin", "regulator", "evaluator", "submitter") and (
            self.organisation_kind in (None, "operator", "department", "evaluator")
        )
