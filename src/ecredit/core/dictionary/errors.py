"""The error a malformed dictionary file raises, naming the file and the key."""

from __future__ import annotations

from pathlib import Path


class DictionaryError(ValueError):
    """A dictionary file is missing or malformed, or a lookup names something the dictionary lacks."""

    def __init__(self, message: str, *, file: Path | None = None, key: str | None = None) -> None:
        self.file = file
        self.key = key
        where = ""
        if file is not None:
            where = f"{file}: " if key is None else f"{file}: {key}: "
        super().__init__(where + message)
