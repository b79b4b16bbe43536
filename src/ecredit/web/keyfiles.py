"""Key files under ECREDIT_DATA_DIR: created once, readable by the owner only, never replaced."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def create_once(path: Path, make: Callable[[], str]) -> str:
    """The text of the key file at `path`, created (mode 0600, fsynced) with `make()` on first use.

    Two processes starting at once agree on one key: the file appears by an exclusive hard link
    of a finished temporary file, so the loser reads the winner's key instead of its own."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(make().strip() + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # fails if another process created the key first: use theirs
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()
