"""Read-only admin for the verifiable ledger: it is written only by the application (appends in the
transaction of each write, `ecredit ledger checkpoint`, `ecredit ledger witnesses add`, witnesses'
verified cosignatures). Changing a row here would be the very tampering `ecredit ledger audit`
exists to catch, so nothing can be added, changed or deleted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ecredit.ledger.api import blob
from ecredit.ledger.models import Checkpoint, Cosignature, Leaf, LogHead, NodeStrip, Witness


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[misc]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LogHead)
class LogHeadAdmin(ReadOnlyAdmin):
    list_display = ("origin", "algorithm", "size")


@admin.register(NodeStrip)
class NodeStripAdmin(ReadOnlyAdmin):
    list_display = ("strip", "leaves", "nodes")
    show_full_result_count = False

    @admin.display(description="leaves")  # type: ignore[untyped-decorator]
    def leaves(self, obj: NodeStrip) -> str:
        return f"{32 * obj.strip}–{32 * obj.strip + 31}"

    @admin.display(description="node hashes (bytes)")  # type: ignore[untyped-decorator]
    def nodes(self, obj: NodeStrip) -> int:
        return len(blob(obj.hashes))


@admin.register(Leaf)
class LeafAdmin(ReadOnlyAdmin):
    list_display = ("index", "kind", "leaf_hash", "appended_at")
    list_filter = ("kind",)
    search_fields = ("=leaf_hash",)
    readonly_fields = ("index", "kind", "leaf_hash", "appended_at", "leaf_text")
    exclude = ("data",)
    show_full_result_count = False

    @admin.display(description="leaf (canonical JSON)")  # type: ignore[untyped-decorator]
    def leaf_text(self, obj: Leaf) -> str:
        return blob(obj.data).decode("utf-8", "replace")


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ("size", "root", "issued_at")
    readonly_fields = ("size", "root", "note", "issued_at")


@admin.register(Witness)
class WitnessAdmin(ReadOnlyAdmin):
    """Witnesses are registered with `ecredit ledger witnesses add NAME VKEY`."""

    list_display = ("name", "vkey", "added_at")


@admin.register(Cosignature)
class CosignatureAdmin(ReadOnlyAdmin):
    list_display = ("checkpoint", "witness", "received_at")
    list_select_related = ("checkpoint", "witness")
    raw_id_fields = ("checkpoint", "witness")
