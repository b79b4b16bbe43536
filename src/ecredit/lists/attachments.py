"""Attachment files: checked by size, count and sniffed type, stored by SHA-256 under the data dir."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from ecredit.core.lists import load_procedure

MAX_NAME = 200


class AttachmentError(ValueError):
    """A file that may not be attached; the message names it and says why."""


@dataclass(frozen=True)
class Upload:
    """A file as received: its name and bytes (the client's content type is not trusted)."""

    name: str
    data: bytes


def sniff(data: bytes) -> str | None:
    """The content type of `data` from its first bytes, or None when it is none we take."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text/plain"
    return None


def clean_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/"))
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:MAX_NAME] or "attachment"


def check(uploads: list[Upload]) -> list[tuple[Upload, str, str]]:
    """(upload, content type, SHA-256) of each file, or an `AttachmentError` for the first bad one."""
    p = load_procedure()
    if len(uploads) > p.attachment_max_count:
        raise AttachmentError(
            f"at most {p.attachment_max_count} attachments; {len(uploads)} were sent"
        )
    out = []
    for u in uploads:
        name = clean_name(u.name)
        if len(u.data) > p.attachment_max_bytes:
            raise AttachmentError(
                f"{name}: {len(u.data):,} bytes is more than the limit of "
                f"{p.attachment_max_bytes:,} bytes"
            )
        if not u.data:
            raise AttachmentError(f"{name}: the file is empty")
        kind = sniff(u.data)
        if kind is None or kind not in p.attachment_types:
            raise AttachmentError(
                f"{name}: not a file type we take ({', '.join(p.attachment_types)})"
            )
        out.append((Upload(name, u.data), kind, hashlib.sha256(u.data).hexdigest()))
    return out


def path_of(sha256: str) -> Path:
    return Path(settings.DATA_DIR) / "lists" / "attachments" / sha256[:2] / sha256


def store(data: bytes, sha256: str) -> Path:
    """Write the file once under its hash (a second upload of the same bytes reuses it)."""
    path = path_of(sha256)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{sha256}.{os.getpid()}")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return path
