"""Write audit entries; called by other apps' actions inside their transactions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecredit.audit.models import AuditEntry

if TYPE_CHECKING:
    from ecredit.accounts.principals import Actor


def record(
    actor: Actor, action: str, object_type: str = "", object_id: object = "", **detail: Any
) -> AuditEntry:
    """Append one audit entry for `actor` doing `action`."""
    return AuditEntry.objects.create(
        actor=actor.label,
        organisation_id=actor.organisation_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail,
    )
