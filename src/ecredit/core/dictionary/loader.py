"""Loading the dictionary's files (``dictionary.toml``, ``providers.toml``, ``types/*.toml``).

Every file is checked strictly; the first problem stops loading with a `DictionaryError` that names
the file and the key. The default dictionary (this package's directory) is loaded once per process.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from ecredit.core.dictionary.errors import DictionaryError
from ecredit.core.dictionary.fields import (
    FIELD_TYPES,
    SUBJECT_SCHEMES,
    Code,
    Condition,
    Field,
    FieldType,
)
from ecredit.core.dictionary.obligations import (
    FREQUENCIES,
    PROVIDER_KINDS,
    Frequency,
    Obligation,
    Provider,
    ProviderKind,
)
from ecredit.core.dictionary.publicity import Publicity, PublicityPeriod
from ecredit.core.dictionary.record_type import (
    CATEGORIES,
    DISCLOSURE_LEVELS,
    NATURAL_KEY_MAX_LENGTH,
    OCCURRED_RULES,
    OccurredRule,
    RecordType,
)
from ecredit.core.dictionary.toml_table import TomlTable
from ecredit.core.dictionary.values import show

DEFAULT_PATH = Path(__file__).resolve().parent
_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
_PROVIDER_KEY = re.compile(r"[a-z][a-z0-9-]{0,63}")
_CODE = re.compile(r"[A-Za-z0-9_]{1,64}")
_DECLARED_VERSION = re.compile(r"[0-9]{4}\.[0-9]+")
_OCCURRED_FIELD_TYPE: dict[str, FieldType] = {
    "on": "date",
    "month_end": "month",
    "year_end": "integer",
}
_MONEY_UNITS = ("CNY", "USD")
_MAX_TEXT_LENGTH = 100_000
# How many characters a value of each type can take in a natural key (text types use their limit).
_KEY_WIDTH: dict[str, int] = {
    "integer": 17,
    "decimal": 40,
    "rate": 24,
    "date": 10,
    "month": 7,
    "boolean": 5,
    "subject_id": 200,
}


@dataclass(frozen=True)
class Dictionary:
    """The loaded dictionary: record types by name, providers by key, and a version naming its files."""

    version: str
    declared_version: str
    label_zh: str
    label_en: str
    path: Path
    types: Mapping[str, RecordType]
    providers: Mapping[str, Provider]

    def record_type(self, name: str) -> RecordType:
        """The record type called `name`; `DictionaryError` naming the known ones otherwise."""
        try:
            return self.types[name]
        except (KeyError, TypeError):
            raise DictionaryError(
                f"unknown record type {show(name)}; known: {', '.join(self.types)}"
            ) from None

    def may_submit(self, provider_key: str, type_name: str) -> bool:
        """Whether the responsibility list names `provider_key` as a source of `type_name`."""
        provider = self.providers.get(provider_key)
        return provider is not None and type_name in provider.types


def load_dictionary(path: str | Path | None = None) -> Dictionary:
    """The dictionary in `path` (a directory), or this package's own, loaded once and cached."""
    if path is None:
        return _default_dictionary()
    return _load(Path(path))


@functools.cache
def _default_dictionary() -> Dictionary:
    return _load(DEFAULT_PATH)


def _read(file: Path) -> dict[str, Any]:
    try:
        with file.open("rb") as fp:
            return tomllib.load(fp)
    except FileNotFoundError:
        raise DictionaryError("file is missing", file=file) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DictionaryError(f"not valid TOML: {exc}", file=file) from None
    except OSError as exc:
        raise DictionaryError(f"cannot be read: {exc}", file=file) from None


def _load(root: Path) -> Dictionary:
    header_file = root / "dictionary.toml"
    providers_file = root / "providers.toml"
    types_dir = root / "types"
    if not types_dir.is_dir():
        raise DictionaryError("directory of record types is missing", file=types_dir)
    type_files = sorted(types_dir.glob("*.toml"))
    if not type_files:
        raise DictionaryError("holds no record type (*.toml)", file=types_dir)

    header = TomlTable(_read(header_file), header_file)
    declared = header.text("version")
    if not _DECLARED_VERSION.fullmatch(declared):
        raise header.error("version", f"{declared!r} is not a version like 2026.1")
    label_zh, label_en = header.text("label_zh"), header.text("label_en")
    header.finish()

    types = {rt.name: rt for rt in (_record_type(f) for f in type_files)}
    providers = _providers(providers_file, types)

    digest = hashlib.sha256()
    for file in [header_file, providers_file, *type_files]:
        content = file.read_bytes()
        digest.update(f"{file.relative_to(root).as_posix()}\0{len(content)}\0".encode())
        digest.update(content)
    return Dictionary(
        version=f"{declared}+sha256:{digest.hexdigest()[:12]}",
        declared_version=declared,
        label_zh=label_zh,
        label_en=label_en,
        path=root,
        types=MappingProxyType(dict(sorted(types.items()))),
        providers=MappingProxyType(providers),
    )


def _record_type(file: Path) -> RecordType:
    t = TomlTable(_read(file), file)
    name = t.text("name")
    if name != file.stem:
        raise t.error("name", f"{name!r} must match the file name {file.stem!r}")
    if not _NAME.fullmatch(name):
        raise t.error("name", f"{name!r} must be lower-case letters, digits and '_'")
    version = t.required_integer("version", minimum=1)
    label_zh, label_en = t.text("label_zh"), t.text("label_en")
    label_ru = t.optional_text("label_ru") or ""
    description_zh, description_en = t.text("description_zh"), t.text("description_en")
    category = t.choice("category", CATEGORIES)
    level = t.choice("disclosure_level", DISCLOSURE_LEVELS)
    natural_key = t.text_list("natural_key")
    occurred_field = t.text("occurred_field")
    occurred_rule = cast(OccurredRule, t.choice("occurred_rule", OCCURRED_RULES, default="on"))
    providers = t.text_list("providers")
    publicity_table = t.table("publicity")
    field_tables = t.tables("fields", required=True)
    t.finish()

    fields = _fields(t, field_tables)
    by_name = {f.name: f for f in fields}
    first = fields[0]
    if first.name != "subject_id" or first.type != "subject_id" or not first.required:
        raise t.error(
            "fields[0]", "the first field must be subject_id, of type subject_id, required"
        )

    width = len(natural_key) - 1
    for key in natural_key:
        f = by_name.get(key)
        if f is None:
            raise t.error("natural_key", f"names {key!r}, which is not a field of {name}")
        if not f.required:
            raise t.error("natural_key", f"names {key!r}, which is not required")
        if f.type in ("text", "codes"):
            raise t.error("natural_key", f"names {key!r}, of type {f.type}, which cannot be a key")
        width += f.length_limit or _KEY_WIDTH.get(f.type) or max(len(c) for c in f.code_values)
    if width > NATURAL_KEY_MAX_LENGTH:
        raise t.error(
            "natural_key",
            f"can be {width} characters long; at most {NATURAL_KEY_MAX_LENGTH} fit (lower max_length)",
        )

    occurred = by_name.get(occurred_field)
    if occurred is None:
        raise t.error("occurred_field", f"names {occurred_field!r}, which is not a field of {name}")
    if not occurred.required:
        raise t.error("occurred_field", f"names {occurred_field!r}, which is not required")
    if occurred.type != _OCCURRED_FIELD_TYPE[occurred_rule]:
        raise t.error(
            "occurred_field",
            f"{occurred_field!r} is of type {occurred.type}; occurred_rule {occurred_rule!r} needs a "
            f"{_OCCURRED_FIELD_TYPE[occurred_rule]} field",
        )

    publicity = None
    if publicity_table is not None:
        if level != "public":
            raise t.error(
                "publicity", f"only public types have a publicity rule; {name} is {level}"
            )
        publicity = _publicity(publicity_table, by_name)
    elif level == "public":
        raise t.error(
            "publicity", "is missing: a public type states its publicity rule (empty = without end)"
        )

    return RecordType(
        name=name,
        version=version,
        label_zh=label_zh,
        label_en=label_en,
        label_ru=label_ru,
        description_zh=description_zh,
        description_en=description_en,
        category=category,
        disclosure_level=level,
        fields=fields,
        natural_key=natural_key,
        occurred_field=occurred_field,
        occurred_rule=occurred_rule,
        providers=providers,
        publicity=publicity,
    )


def _fields(t: TomlTable, tables: list[TomlTable]) -> tuple[Field, ...]:
    if not tables:
        raise t.error("fields", "must declare at least one field")
    fields: list[Field] = []
    raw_conditions: dict[str, tuple[TomlTable, TomlTable]] = {}
    for ft in tables:
        name = ft.text("name")
        if not _NAME.fullmatch(name):
            raise ft.error("name", f"{name!r} must be lower-case letters, digits and '_'")
        if any(f.name == name for f in fields):
            raise ft.error("name", f"field {name!r} is declared twice")
        ft.where = f"fields.{name}"
        fields.append(_field(ft, name))
        when = ft.table("required_when")
        ft.finish()
        if when is not None:
            raw_conditions[name] = (ft, when)

    by_name = {f.name: f for f in fields}
    for i, f in enumerate(fields):
        if f.not_before is not None:
            other = by_name.get(f.not_before)
            if other is None or other.type != "date" or other is f:
                raise tables[i].error("not_before", f"{f.not_before!r} is not another date field")
        if f.name in raw_conditions:
            ft, when = raw_conditions[f.name]
            fields[i] = _with_conditions(f, ft, when, by_name)
    return tuple(fields)


def _field(ft: TomlTable, name: str) -> Field:
    ftype = cast(FieldType, ft.choice("type", FIELD_TYPES))
    required = ft.boolean("required", required=True)
    label_zh, label_en = ft.text("label_zh"), ft.text("label_en")
    label_ru = ft.optional_text("label_ru") or ""
    description_zh, description_en = ft.text("description_zh"), ft.text("description_en")
    unit = ft.optional_text("unit")

    def only_for(key: str, types: tuple[str, ...]) -> None:
        if ft.has(key) and ftype not in types:
            raise ft.error(key, f"applies to fields of type {' or '.join(types)}, not {ftype}")

    only_for("codes", ("code", "codes"))
    only_for("min", ("integer", "decimal", "rate"))
    only_for("max", ("integer", "decimal", "rate"))
    only_for("max_length", ("string", "text"))
    only_for("pattern", ("string",))
    only_for("pattern_en", ("string",))
    only_for("scale", ("decimal",))
    only_for("not_future", ("date", "month"))
    only_for("not_before", ("date",))
    only_for("schemes", ("subject_id",))

    codes: list[Code] = []
    for ct in ft.tables("codes", required=ftype in ("code", "codes")):
        code = ct.text("code")
        if not _CODE.fullmatch(code):
            raise ct.error("code", f"{code!r} must be 1-64 letters, digits or '_'")
        if any(c.code == code for c in codes):
            raise ct.error("code", f"{code!r} is listed twice")
        codes.append(Code(code, ct.text("zh"), ct.text("en"), ct.optional_text("ru") or ""))
        ct.finish()
    if ftype in ("code", "codes") and not codes:
        raise ft.error("codes", "must list at least one code")

    lo, hi = ft.number("min"), ft.number("max")
    for key, bound in (("min", lo), ("max", hi)):
        if bound is None:
            continue
        if ftype == "integer" and bound != bound.to_integral_value():
            raise ft.error(key, f"must be a whole number for an integer field, got {bound}")
        if ftype == "rate" and not 0 <= bound <= 1:
            raise ft.error(key, f"must be between 0 and 1 for a rate, got {bound}")
    if lo is not None and hi is not None and lo > hi:
        raise ft.error("min", f"{lo} is greater than max {hi}")

    max_length = ft.integer("max_length", required=False, minimum=1, maximum=_MAX_TEXT_LENGTH)
    pattern = ft.optional_text("pattern")
    pattern_en = ft.optional_text("pattern_en")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ft.error("pattern", f"is not a valid regular expression: {exc}") from None
        if pattern_en is None:
            raise ft.error("pattern_en", "must say in words what the pattern expects")
    elif pattern_en is not None:
        raise ft.error("pattern_en", "is given without a pattern")

    scale = ft.integer("scale", required=ftype == "decimal", minimum=0, maximum=10)
    if scale is not None and unit in _MONEY_UNITS and scale > 2:
        raise ft.error("scale", f"amounts in {unit} have at most 2 decimal places, not {scale}")

    schemes = ft.text_list("schemes", required=False)
    for s in schemes:
        if s not in SUBJECT_SCHEMES:
            raise ft.error("schemes", f"{s!r} is not one of {', '.join(SUBJECT_SCHEMES)}")

    return Field(
        name=name,
        type=ftype,
        required=required,
        label_zh=label_zh,
        label_en=label_en,
        label_ru=label_ru,
        description_zh=description_zh,
        description_en=description_en,
        unit=unit,
        codes=tuple(codes),
        min=lo,
        max=hi,
        max_length=max_length,
        pattern=pattern,
        pattern_en=pattern_en,
        scale=scale,
        not_future=ft.boolean("not_future"),
        not_before=ft.optional_text("not_before"),
        schemes=schemes,
    )


def _with_conditions(
    f: Field, ft: TomlTable, when: TomlTable, by_name: Mapping[str, Field]
) -> Field:
    if f.required:
        raise ft.error("required_when", "is given for a field that is always required")
    if not when.data:
        raise ft.error("required_when", "must name at least one field")
    conditions = []
    for other_name, raw in when.data.items():
        when.asked.append(other_name)
        other = by_name.get(other_name)
        if other is None or other.type != "code" or other is f:
            raise when.error(other_name, f"{other_name!r} is not another field of type code")
        values = (raw,) if isinstance(raw, str) else raw
        if (
            not isinstance(values, list | tuple)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            raise when.error(other_name, f"must be a code or a list of codes, got {raw!r}")
        for v in values:
            if other.code(v) is None:
                raise when.error(other_name, f"{v!r} is not one of {', '.join(other.code_values)}")
        conditions.append(Condition(other_name, tuple(values)))
    return dataclasses.replace(f, required_when=tuple(conditions))


def _period(pt: TomlTable) -> PublicityPeriod:
    lo = pt.integer("min_days", required=False, minimum=0)
    hi = pt.integer("max_days", required=False, minimum=0)
    if lo is not None and hi is not None and lo > hi:
        raise pt.error("min_days", f"{lo} is greater than max_days {hi}")
    return PublicityPeriod(lo, hi)


def _publicity(pt: TomlTable, by_name: Mapping[str, Field]) -> Publicity:
    period = _period(pt)
    periods_by = pt.optional_text("periods_by")
    periods_table = pt.table("periods")
    end_field = pt.optional_text("end_field")
    end_inclusive = pt.boolean("end_field_inclusive")
    basis_zh, basis_en = pt.text("basis_zh"), pt.text("basis_en")
    pt.finish()

    periods: dict[str, PublicityPeriod] = {}
    if periods_by is not None:
        by = by_name.get(periods_by)
        if by is None or by.type != "code" or not by.required:
            raise pt.error("periods_by", f"{periods_by!r} is not a required field of type code")
        if period != PublicityPeriod():
            raise pt.error(
                "periods_by", "is given together with min_days/max_days; use one or the other"
            )
        if periods_table is None:
            raise pt.error("periods", f"must give a period for each code of {periods_by}")
        for code in periods_table.data:
            if by.code(code) is None:
                raise periods_table.error(
                    code, f"{code!r} is not one of {', '.join(by.code_values)}"
                )
        for code in by.code_values:
            sub = periods_table.table(code)
            if sub is None:
                raise periods_table.error(
                    code, f"is missing: every code of {periods_by} needs a period"
                )
            periods[code] = _period(sub)
            sub.finish()
        periods_table.finish()
    elif periods_table is not None:
        raise pt.error("periods", "is given without periods_by")

    if end_field is not None:
        end = by_name.get(end_field)
        if end is None or end.type != "date":
            raise pt.error("end_field", f"{end_field!r} is not a date field")
    elif pt.has("end_field_inclusive"):
        raise pt.error("end_field_inclusive", "is given without end_field")
    return Publicity(
        period=period,
        periods_by=periods_by,
        periods=MappingProxyType(periods),
        end_field=end_field,
        end_field_inclusive=end_inclusive,
        basis_zh=basis_zh,
        basis_en=basis_en,
    )


def _providers(file: Path, types: Mapping[str, RecordType]) -> dict[str, Provider]:
    top = TomlTable(_read(file), file)
    table = top.table("providers", required=True)
    top.finish()
    assert table is not None
    providers: dict[str, Provider] = {}
    for key in table.data:
        if not _PROVIDER_KEY.fullmatch(key):
            raise table.error(key, f"{key!r} must be lower-case letters, digits and '-'")
        pt = table.table(key)
        assert pt is not None
        kind = cast(ProviderKind, pt.choice("kind", PROVIDER_KINDS))
        name_zh, name_en = pt.text("name_zh"), pt.text("name_en")
        may = pt.text_list("types")
        for type_name in may:
            if type_name not in types:
                raise pt.error("types", f"names {type_name!r}, which is not a record type")
        obligations: list[Obligation] = []
        for ot in pt.tables("obligations"):
            type_name = ot.text("type")
            if type_name not in may:
                raise ot.error("type", f"{type_name!r} is not among the types {key} may submit")
            if any(o.type_name == type_name for o in obligations):
                raise ot.error("type", f"{key} has two obligations for {type_name!r}")
            obligations.append(
                Obligation(
                    type_name=type_name,
                    frequency=cast(Frequency, ot.choice("frequency", FREQUENCIES)),
                    max_lag_days=ot.required_integer("max_lag_days", minimum=0, maximum=366),
                    description_zh=ot.text("description_zh"),
                    description_en=ot.text("description_en"),
                )
            )
            ot.finish()
        pt.finish()
        providers[key] = Provider(key, name_zh, name_en, kind, may, tuple(obligations))
    table.finish()

    for rt in types.values():
        for key in rt.providers:
            if key not in providers:
                raise DictionaryError(
                    f"names {key!r}, which is not a provider in {file.name}",
                    file=_type_file(file, rt.name),
                    key="providers",
                )
            if rt.name not in providers[key].types:
                raise DictionaryError(
                    f"{rt.name} lists provider {key!r}, but {key} does not list {rt.name} in its types",
                    file=file,
                    key=f"providers.{key}.types",
                )
    for key, p in providers.items():
        for type_name in p.types:
            if key not in types[type_name].providers:
                raise DictionaryError(
                    f"names {type_name!r}, but types/{type_name}.toml does not list {key!r} "
                    "in its providers",
                    file=file,
                    key=f"providers.{key}.types",
                )
    return providers


def _type_file(providers_file: Path, type_name: str) -> Path:
    """The file of record type `type_name` in the dictionary that holds `providers_file`."""
    return providers_file.parent / "types" / f"{type_name}.toml"
