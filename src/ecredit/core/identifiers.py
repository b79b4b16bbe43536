"""Identifiers of the parties we rate: USCC (GB 32100-2015), LEI (ISO 17442), store ids, foreign numbers.

A *subject id* is how a record names its subject: a bare USCC, ``lei:<LEI>``,
``store:<platform>:<id>`` or ``foreign:<ISO 3166 alpha-2>:<registration number>``.
`parse_subject_id` turns any of these into a `SubjectId` or raises `InvalidIdentifier` with a
reason a person can act on.

python-stdnum validates the USCC check digit but insists that the first eight characters are
digits, so it rejects valid codes whose registration-authority character is a letter (``N…`` for
agricultural bodies, ``Y…`` for other authorities, ``A…``). We use its check-digit calculation, do
the format check ourselves, and add the embedded GB 11714 organisation-code check it omits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from stdnum import lei as stdnum_lei
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 3^(i-1) mod 31, i = 1..17

# GB 32100-2015 table 1: registration authority → allowed organisation-category characters.
REGISTRATION_AUTHORITIES: dict[str, tuple[str, str]] = {
    "1": ("机构编制", "1239"),
    "2": ("外交", "19"),
    "3": ("司法行政", "12345679"),
    "4": ("文化", "19"),
    "5": ("民政", "12349"),
    "6": ("旅游", "129"),
    "7": ("宗教", "129"),
    "8": ("工会", "19"),
    "9": ("工商", "123"),
    "A": ("中央军委改革和编制办公室", "19"),
    "N": ("农业", "1239"),
    "Y": ("其他", "1"),
}

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_BODY_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

SubjectScheme = Literal["uscc", "lei", "store", "foreign"]
# Used with fullmatch: "$" would also match before a trailing newline.
_STORE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
_FOREIGN_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 /.\-]{0,63}")
_LEI = re.compile(r"[0-9A-Z]{18}[0-9]{2}")

# ISO 3166-1 alpha-2 codes (officially assigned), CN excluded: a Chinese party has a USCC.
_ISO3166_ALPHA2_TEXT = """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW"""
ISO3166_ALPHA2 = frozenset(_ISO3166_ALPHA2_TEXT.split())


class InvalidIdentifier(ValueError):
    """An identifier that fails its format or check digit; the message says which and why."""


def _shown(text: str) -> str:
    """`text` quoted for a message, cut short so hostile input cannot flood a log or a report."""
    return repr(text) if len(text) <= 40 else repr(text[:40]) + f"… ({len(text)} characters)"


def _require_text(code: object, what: str) -> str:
    if not isinstance(code, str):
        raise InvalidIdentifier(f"{what} must be text, got {type(code).__name__}")
    return code


@dataclass(frozen=True, order=True)
class SubjectId:
    """A parsed subject id: its scheme and its canonical text form."""

    scheme: SubjectScheme
    value: str

    def __str__(self) -> str:
        return self.value if self.scheme == "uscc" else f"{self.scheme}:{self.value}"


def uscc_check_digit(first17: str) -> str:
    """The 18th character of a USCC whose first 17 characters are given (GB 32100 §5)."""
    return str(stdnum_uscc.calc_check_digit(first17))


def org_code_check_digit(body8: str) -> str:
    """The ninth character of a GB 11714 organisation code whose first eight are given."""
    total = sum(_ORG_BODY_ALPHABET.index(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_uscc(code: str) -> str:
    """Return the canonical USCC or raise `InvalidIdentifier` saying what is wrong."""
    code = _require_text(code, "a unified social credit code")
    compact = code.strip().replace(" ", "").replace("-", "")
    # Check the characters before upper-casing: str.upper() maps some non-ASCII letters to ASCII
    # ones ("\ufb00" -> "FF"), which would let a look-alike string pass as a valid code.
    bad = [ch for ch in compact if ch.upper() not in _USCC_VALUE or not ch.isascii()]
    c = compact.upper()
    if len(c) != 18:
        raise InvalidIdentifier(
            f"a unified social credit code has 18 characters, {_shown(code)} has {len(c)}"
        )
    if bad:
        raise InvalidIdentifier(
            f"{code!r} contains {''.join(dict.fromkeys(bad))!r}; a unified social credit code uses only "
            "digits and the letters A-H J-N P Q R T U W X Y"
        )
    authority = REGISTRATION_AUTHORITIES.get(c[0])
    if authority is None:
        raise InvalidIdentifier(
            f"{code!r}: {c[0]!r} is not a registration-authority code of GB 32100"
        )
    if c[1] not in authority[1]:
        raise InvalidIdentifier(
            f"{code!r}: {c[1]!r} is not an organisation category of authority {c[0]} ({authority[0]})"
        )
    if not c[2:8].isdigit():
        raise InvalidIdentifier(f"{code!r}: characters 3-8 must be a six-digit region code")
    org = c[8:17]
    if org[8] != org_code_check_digit(org[:8]):
        raise InvalidIdentifier(
            f"{code!r}: the embedded organisation code {org} fails its GB 11714 check digit "
            f"(expected {org_code_check_digit(org[:8])})"
        )
    expected = uscc_check_digit(c[:17])
    if c[17] != expected:
        raise InvalidIdentifier(f"{code!r}: check digit is {c[17]!r}, expected {expected!r}")
    return c


def is_valid_uscc(code: str) -> bool:
    try:
        validate_uscc(code)
    except InvalidIdentifier:
        return False
    return True


def make_uscc(authority: str, category: str, region: str, org_body8: str) -> str:
    """Build a valid USCC from its parts (for demos and tests)."""
    org = org_body8 + org_code_check_digit(org_body8)
    first17 = authority + category + region + org
    return validate_uscc(first17 + uscc_check_digit(first17))


def validate_lei(code: str) -> str:
    """Return the canonical LEI (ISO 17442) or raise `InvalidIdentifier`.

    python-stdnum only checks the ISO 7064 check digits, so it accepts "1" or "98" as LEIs; the
    length and alphabet are checked here first.
    """
    code = _require_text(code, "an LEI")
    compact = code.strip().replace(" ", "").replace("-", "")
    if not compact.isascii() or not _LEI.fullmatch(compact.upper()):
        raise InvalidIdentifier(
            f"{_shown(code)} is not a valid LEI (ISO 17442): an LEI has 20 characters, 18 letters or "
            "digits followed by two check digits"
        )
    try:
        return str(stdnum_lei.validate(compact.upper()))
    except ValidationError as exc:
        raise InvalidIdentifier(f"{_shown(code)} is not a valid LEI (ISO 17442): {exc}") from exc


def parse_subject_id(text: str) -> SubjectId:
    """Parse a record's ``subject_id`` into a canonical `SubjectId`."""
    if not isinstance(text, str):
        raise InvalidIdentifier(f"subject_id must be text, got {type(text).__name__}")
    raw = text.strip()
    if not raw:
        raise InvalidIdentifier("subject_id is empty")
    if len(raw) > 200:
        raise InvalidIdentifier(
            f"subject_id is {len(raw)} characters long; at most 200 are allowed"
        )
    scheme, sep, rest = raw.partition(":")
    if not sep:
        return SubjectId("uscc", validate_uscc(raw))
    scheme = scheme.lower()
    if scheme == "uscc":
        return SubjectId("uscc", validate_uscc(rest))
    if scheme == "lei":
        return SubjectId("lei", validate_lei(rest))
    if scheme == "store":
        platform, sep2, store = rest.partition(":")
        if not sep2 or not _STORE_PART.fullmatch(platform) or not _STORE_PART.fullmatch(store):
            raise InvalidIdentifier(
                f"{raw!r}: a store id is store:<platform>:<id>, each part 1-64 letters, digits, '_', '.' or '-'"
            )
        return SubjectId("store", f"{platform.lower()}:{store}")
    if scheme == "foreign":
        country, sep2, number = rest.partition(":")
        country = country.upper() if country.isascii() else country  # "ß".upper() is "SS"
        if not sep2 or country not in ISO3166_ALPHA2:
            raise InvalidIdentifier(
                f"{raw!r}: a foreign id is foreign:<ISO 3166 alpha-2 country>:<registration number>, "
                f"and {country!r} is not an ISO 3166 country code (CN parties use their USCC)"
            )
        if not _FOREIGN_NUMBER.fullmatch(number):
            raise InvalidIdentifier(
                f"{raw!r}: the registration number must be 1-64 letters or digits"
            )
        return SubjectId("foreign", f"{country}:{number.upper()}")
    raise InvalidIdentifier(
        f"{raw!r}: unknown scheme {scheme!r}; use a bare USCC, lei:<LEI>, store:<platform>:<id> "
        "or foreign:<country>:<number>"
    )
