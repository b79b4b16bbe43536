"""Strict reading of one TOML table: typed getters whose errors name the file and key, and a
final check that the table holds no key nobody asked for."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from ecredit.core.dictionary.errors import DictionaryError


class TomlTable:
    """A table of a dictionary file being read; `where` is its dotted key path in the file."""

    def __init__(self, data: Mapping[str, Any], file: Path, where: str = "") -> None:
        self.data = data
        self.file = file
        self.where = where
        self.asked: list[str] = []

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def error(self, name: str | None, message: str) -> DictionaryError:
        return DictionaryError(
            message, file=self.file, key=self.key(name) if name else (self.where or None)
        )

    def has(self, name: str) -> bool:
        return name in self.data

    def _get(self, name: str, required: bool) -> Any:
        if name not in self.asked:
            self.asked.append(name)
        if name not in self.data:
            if required:
                raise self.error(name, "is missing")
            return None
        return self.data[name]

    def text(self, name: str) -> str:
        """A required, non-blank string."""
        value = self._get(name, True)
        if not isinstance(value, str) or not value.strip():
            raise self.error(name, f"must be non-empty text, got {value!r}")
        return value

    def optional_text(self, name: str) -> str | None:
        if self._get(name, False) is None:
            return None
        return self.text(name)

    def integer(
        self,
        name: str,
        *,
        required: bool = True,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = self._get(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(name, f"must be a whole number, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.error(name, f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise self.error(name, f"must be at most {maximum}, got {value}")
        return value

    def required_integer(
        self, name: str, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        value = self.integer(name, minimum=minimum, maximum=maximum)
        assert value is not None
        return value

    def number(self, name: str) -> Decimal | None:
        value = self._get(name, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(name, f"must be a number, got {value!r}")
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise self.error(name, f"must be a finite number, got {value!r}")
        return number

    def boolean(self, name: str, *, required: bool = False, default: bool = False) -> bool:
        value = self._get(name, required)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(name, f"must be true or false, got {value!r}")
        return value

    def choice(self, name: str, choices: tuple[str, ...], *, default: str | None = None) -> str:
        value = self._get(name, default is None)
        if value is None and default is not None:
            return default
        if value not in choices:
            raise self.error(name, f"{value!r} is not one of {', '.join(choices)}")
        assert isinstance(value, str)
        return value

    def text_list(
        self, name: str, *, required: bool = True, allow_empty: bool = False
    ) -> tuple[str, ...]:
        value = self._get(name, required)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(name, f"must be a list of non-empty strings, got {value!r}")
        if not value and not allow_empty:
            raise self.error(name, "must not be empty")
        duplicates = sorted({v for v in value if value.count(v) > 1})
        if duplicates:
            raise self.error(name, f"lists {', '.join(duplicates)} more than once")
        return tuple(value)

    def table(self, name: str, *, required: bool = False) -> TomlTable | None:
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error(name, f"must be a table, got {value!r}")
        return TomlTable(value, self.file, self.key(name))

    def tables(self, name: str, *, required: bool = False) -> list[TomlTable]:
        """An array of tables (``[[name]]`` or a list of inline tables)."""
        value = self._get(name, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error(name, f"must be an array of tables, got {value!r}")
        return [TomlTable(v, self.file, f"{self.key(name)}[{i}]") for i, v in enumerate(value)]

    def finish(self) -> None:
        """Refuse keys nobody asked for: a typo must not silently drop a rule."""
        unknown = [k for k in self.data if k not in self.asked]
        if unknown:
            raise self.error(
                unknown[0], f"unknown key {unknown[0]!r}; allowed here: {', '.join(self.asked)}"
            )
