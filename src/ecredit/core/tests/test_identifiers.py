"""USCC (GB 32100), LEI (ISO 17442), store and foreign ids: validation and normalisation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_97_10
from stdnum.lei import is_valid as stdnum_lei_is_valid

from ecredit.core.identifiers import (
    REGISTRATION_AUTHORITIES,
    USCC_ALPHABET,
    InvalidIdentifier,
    SubjectId,
    is_valid_uscc,
    make_uscc,
    org_code_check_digit,
    parse_subject_id,
    uscc_check_digit,
    validate_lei,
    validate_uscc,
)

VALID = "91110000600037341L"
LEI = "529900T8BM49AURSDO55"


def reason(text: object) -> str:
    with pytest.raises(InvalidIdentifier) as exc:
        parse_subject_id(text)  # type: ignore[arg-type]
    return str(exc.value)


def uscc_reason(text: object) -> str:
    with pytest.raises(InvalidIdentifier) as exc:
        validate_uscc(text)  # type: ignore[arg-type]
    return str(exc.value)


# ---------------------------------------------------------------------------------------------
# USCC


def test_a_known_valid_code() -> None:
    assert validate_uscc(VALID) == VALID
    assert is_valid_uscc(VALID) is True
    assert stdnum_uscc.is_valid(VALID) is True
    assert parse_subject_id(VALID) == SubjectId("uscc", VALID)
    assert org_code_check_digit("60003734") == "1"
    assert uscc_check_digit(VALID[:17]) == "L"


@pytest.mark.parametrize(
    ("parts", "code"),
    [
        (("N", "2", "110000", "12345678"), "N21100001234567885"),
        (("Y", "1", "330106", "MA2H0000"), "Y1330106MA2H000068"),
        (("A", "1", "110000", "00000001"), "A1110000000000019A"),
        (("9", "1", "330106", "MA2H0000"), "91330106MA2H00006X"),
    ],
)
def test_make_uscc_builds_valid_codes(parts: tuple[str, str, str, str], code: str) -> None:
    assert make_uscc(*parts) == code
    assert validate_uscc(code) == code


@pytest.mark.parametrize(
    "parts",
    [
        ("N", "2", "110000", "12345678"),  # agricultural bodies (农业)
        ("N", "9", "330106", "MA2H0000"),
        ("Y", "1", "330106", "MA2H0000"),  # other authorities (其他)
        ("A", "1", "110000", "00000001"),  # Central Military Commission
    ],
)
def test_letter_prefixed_codes_pass_here_but_not_in_python_stdnum(
    parts: tuple[str, str, str, str],
) -> None:
    code = make_uscc(*parts)
    assert code[0].isalpha()
    assert stdnum_uscc.is_valid(code) is False  # the gap: stdnum wants eight leading digits
    assert is_valid_uscc(code) is True
    assert parse_subject_id(code) == SubjectId("uscc", code)


def test_a_wrong_check_digit() -> None:
    assert uscc_reason("91110000600037341M") == (
        "'91110000600037341M': check digit is 'M', expected 'L'"
    )
    assert stdnum_uscc.is_valid("91110000600037341M") is False


def test_a_wrong_embedded_organisation_code_check_digit() -> None:
    first17 = "91110000" + "60003734" + "2"  # GB 11714 wants 1 as the ninth character
    code = first17 + uscc_check_digit(first17)
    assert stdnum_uscc.is_valid(code) is True  # stdnum does not check the organisation code
    assert uscc_reason(code) == (
        f"'{code}': the embedded organisation code 600037342 fails its GB 11714 check digit "
        "(expected 1)"
    )


def test_organisation_check_digits_x_and_0() -> None:
    # expected values computed by hand from GB 11714 (weights 3 7 9 10 5 8 4 2, mod 11)
    assert org_code_check_digit("00000001") == "9"  # 11 - 2
    assert org_code_check_digit("00000006") == "X"  # 11 - 12 % 11 = 10
    assert org_code_check_digit("00000000") == "0"  # 11 - 0 = 11
    assert org_code_check_digit("MA2H0000") == "6"  # 11 - 324 % 11
    assert make_uscc("9", "1", "110000", "00000006") == "9111000000000006XE"
    assert make_uscc("9", "1", "110000", "00000000") == "91110000000000000E"


def test_format_errors() -> None:
    assert uscc_reason("12345") == "a unified social credit code has 18 characters, '12345' has 5"
    assert uscc_reason("9111000060003734IL") == (
        "'9111000060003734IL' contains 'I'; a unified social credit code uses only digits and the "
        "letters A-H J-N P Q R T U W X Y"
    )
    assert uscc_reason("B1110000600037341L") == (
        "'B1110000600037341L': 'B' is not a registration-authority code of GB 32100"
    )
    assert uscc_reason("95110000600037341L") == (
        "'95110000600037341L': '5' is not an organisation category of authority 9 (工商)"
    )
    first17 = "91A10000600037341"
    assert uscc_reason(first17 + uscc_check_digit(first17)) == (
        f"'{first17}{uscc_check_digit(first17)}': characters 3-8 must be a six-digit region code"
    )


@pytest.mark.parametrize(
    "text",
    [
        "91110000600037341l",
        " 91110000600037341L ",
        "9111 0000 6000 3734 1L",
        "91110000-600037341-L",
    ],
)
def test_lowercase_spaces_and_hyphens_are_normalised(text: str) -> None:
    assert validate_uscc(text) == VALID
    assert str(parse_subject_id(text)) == VALID
    assert str(parse_subject_id("USCC:" + text)) == VALID


def test_look_alike_characters_are_not_folded_into_a_valid_code() -> None:
    code = make_uscc("9", "1", "110000", "MAFF0000")
    look_alike = code.replace("FF", "\ufb00")  # the "ff" ligature upper-cases to "FF"
    assert uscc_reason(look_alike) == (
        f"{look_alike!r} contains '\ufb00'; a unified social credit code uses only digits and the "
        "letters A-H J-N P Q R T U W X Y"
    )
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in VALID)  # ９１１…
    assert is_valid_uscc(fullwidth) is False


# ---------------------------------------------------------------------------------------------
# LEI


@pytest.mark.parametrize("text", [LEI, LEI.lower(), f" {LEI[:4]} {LEI[4:]} "])
def test_a_valid_lei(text: str) -> None:
    assert validate_lei(text) == LEI
    assert parse_subject_id(f"lei:{text}") == SubjectId("lei", LEI)
    assert str(parse_subject_id(f"LEI:{text}")) == f"lei:{LEI}"


def test_an_lei_with_a_wrong_check_digit() -> None:
    assert reason("lei:529900T8BM49AURSDO56") == (
        "'529900T8BM49AURSDO56' is not a valid LEI (ISO 17442): The number's checksum or check "
        "digit is invalid."
    )


@pytest.mark.parametrize("text", ["1", "98", "0000000000000000000000098", LEI[:19] + "\u0665"])
def test_an_lei_must_have_the_iso_17442_form(text: str) -> None:
    with pytest.raises(InvalidIdentifier, match="an LEI has 20 characters"):
        validate_lei(text)


def test_python_stdnum_alone_takes_any_string_with_the_right_checksum() -> None:
    # the reason validate_lei checks the form itself
    assert stdnum_lei_is_valid("98") is True
    assert stdnum_lei_is_valid("1") is True


# ---------------------------------------------------------------------------------------------
# Store and foreign ids, schemes


def test_store_ids() -> None:
    assert parse_subject_id("store:xishi:100234") == SubjectId("store", "xishi:100234")
    assert str(parse_subject_id(" STORE:XiShi:Ab_c.1-2 ")) == "store:xishi:Ab_c.1-2"
    assert str(parse_subject_id("store:" + "p" * 64 + ":" + "s" * 64)).count(":") == 2


@pytest.mark.parametrize(
    "text",
    [
        "store:xishi",
        "store::1",
        "store:xishi:",
        "store:xi shi:1",
        "store:xishi\n:1",  # "$" matches before a trailing newline; fullmatch does not
        "store:xishi:1\n2",
        "store:_xishi:1",
        "store:" + "p" * 65 + ":1",
        "store:xishi:1:2",
        "store:西市:1",
    ],
)
def test_bad_store_ids(text: str) -> None:
    assert reason(text) == (
        f"{text.strip()!r}: a store id is store:<platform>:<id>, each part 1-64 letters, digits, "
        "'_', '.' or '-'"
    )


def test_foreign_ids() -> None:
    assert parse_subject_id("foreign:US:0000320193") == SubjectId("foreign", "US:0000320193")
    assert str(parse_subject_id("foreign:gb:sc 123/4")) == "foreign:GB:SC 123/4"


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("foreign:CN:123", "CN"),
        ("foreign:XX:1", "XX"),
        ("foreign:USA:1", "USA"),
        ("foreign:ß:1", "ß"),
    ],
)
def test_foreign_ids_need_an_iso_country_other_than_china(text: str, country: str) -> None:
    assert reason(text) == (
        f"{text!r}: a foreign id is foreign:<ISO 3166 alpha-2 country>:<registration number>, "
        f"and {country!r} is not an ISO 3166 country code (CN parties use their USCC)"
    )


def test_a_foreign_number_must_be_letters_or_digits() -> None:
    assert reason("foreign:US:#1") == (
        "'foreign:US:#1': the registration number must be 1-64 letters or digits"
    )


def test_unknown_scheme() -> None:
    assert reason("duns:123456789") == (
        "'duns:123456789': unknown scheme 'duns'; use a bare USCC, lei:<LEI>, "
        "store:<platform>:<id> or foreign:<country>:<number>"
    )


def test_subject_ids_print_in_their_canonical_form_and_sort() -> None:
    ids = [parse_subject_id(t) for t in ("store:b:1", VALID, f"lei:{LEI}", "foreign:US:1")]
    assert [str(i) for i in ids] == ["store:b:1", VALID, f"lei:{LEI}", "foreign:US:1"]
    assert [i.scheme for i in sorted(ids)] == ["foreign", "lei", "store", "uscc"]


# ---------------------------------------------------------------------------------------------
# Hostile input: always InvalidIdentifier, with a short message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "subject_id is empty"),
        ("   \t\n", "subject_id is empty"),
        ("9" * 10_000, "subject_id is 10000 characters long; at most 200 are allowed"),
        (None, "subject_id must be text, got NoneType"),
        (91110000, "subject_id must be text, got int"),
        (b"91110000600037341L", "subject_id must be text, got bytes"),
        (["91110000600037341L"], "subject_id must be text, got list"),
    ],
)
def test_hostile_subject_ids(text: object, message: str) -> None:
    assert reason(text) == message


def test_nul_bytes_are_refused() -> None:
    assert reason("9111000060003\x0041L") == (
        "a unified social credit code has 18 characters, '9111000060003\\x0041L' has 17"
    )
    assert reason("91110000600037341\x00") == (
        "'91110000600037341\\x00' contains '\\x00'; a unified social credit code uses only digits "
        "and the letters A-H J-N P Q R T U W X Y"
    )
    assert "store id" in reason("store:xishi:1\x00")


@pytest.mark.parametrize("value", [None, 7, b"x", ["x"]])
def test_the_validators_refuse_non_text(value: object) -> None:
    with pytest.raises(InvalidIdentifier, match="must be text"):
        validate_uscc(value)  # type: ignore[arg-type]
    with pytest.raises(InvalidIdentifier, match="must be text"):
        validate_lei(value)  # type: ignore[arg-type]


def test_long_input_gives_a_short_message() -> None:
    for validate in (validate_uscc, validate_lei):
        with pytest.raises(InvalidIdentifier) as exc:
            validate("x" * 10_000)
        assert len(str(exc.value)) < 200


# ---------------------------------------------------------------------------------------------
# Properties


@st.composite
def uscc_parts(draw: st.DrawFn) -> tuple[str, str, str, str]:
    authority = draw(st.sampled_from(sorted(REGISTRATION_AUTHORITIES)))
    category = draw(st.sampled_from(REGISTRATION_AUTHORITIES[authority][1]))
    region = draw(st.text("0123456789", min_size=6, max_size=6))
    body = draw(st.text(USCC_ALPHABET, min_size=8, max_size=8))
    return authority, category, region, body


@given(uscc_parts())
def test_make_uscc_always_builds_a_valid_code(parts: tuple[str, str, str, str]) -> None:
    code = make_uscc(*parts)
    assert len(code) == 18
    assert validate_uscc(code) == code
    assert validate_uscc(code.lower()) == code
    assert parse_subject_id(code) == SubjectId("uscc", code)
    # stdnum agrees exactly when the first eight characters are digits
    assert stdnum_uscc.is_valid(code) is code[0].isdigit()


@given(uscc_parts(), st.integers(0, 17), st.characters())
def test_any_single_character_substitution_is_rejected(
    parts: tuple[str, str, str, str], position: int, replacement: str
) -> None:
    code = make_uscc(*parts)
    original = code[position]
    if replacement == original or replacement.upper() == original:
        return  # the same character (or its lower case): the same code
    changed = code[:position] + replacement + code[position + 1 :]
    assert is_valid_uscc(changed) is False
    with pytest.raises(InvalidIdentifier):
        parse_subject_id(changed)


@given(st.text(USCC_ALPHABET, min_size=18, max_size=18))
def test_random_codes_agree_with_the_check_digit(code: str) -> None:
    if is_valid_uscc(code):
        assert code[17] == uscc_check_digit(code[:17])
        assert code[16] == org_code_check_digit(code[8:16])


@given(st.text(st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"), min_size=18, max_size=18))
def test_an_lei_built_from_any_prefix_validates(prefix: str) -> None:
    lei = prefix + mod_97_10.calc_check_digits(prefix)
    assert validate_lei(lei) == lei
    assert str(parse_subject_id("lei:" + lei.lower())) == f"lei:{lei}"


@given(st.text(max_size=300))
def test_parse_subject_id_only_ever_raises_invalid_identifier(text: str) -> None:
    try:
        subject = parse_subject_id(text)
    except InvalidIdentifier as exc:
        assert len(str(exc)) < 1200
    else:
        assert parse_subject_id(str(subject)) == subject
