"""The streaming readers of ecredit.core.ingest, fed well-formed and hostile files.

Every hostile file is generated here into tmp_path (no binary fixtures in the repository).
"""

from __future__ import annotations

import gzip
import random
import re
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecredit.core.ingest import (
    FORMATS,
    FileUnreadable,
    SourceRow,
    detect_format,
    open_rows,
    write_rows,
)
from ecredit.core.ingest import xlsx as xlsx_module
from ecredit.core.ingest.base import is_blank

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
REOPEN = "open it in Excel or WPS and save it again as .xlsx"


def read(path: Path, fmt: str | None = None, **options: object) -> list[SourceRow]:
    with open_rows(path, fmt, **options) as reader:  # type: ignore[arg-type]
        return list(reader)


def unreadable(path: Path, fmt: str | None = None, **options: object) -> str:
    with pytest.raises(FileUnreadable) as caught:
        read(path, fmt, **options)
    return str(caught.value)


def ok(number: int, **values: object) -> SourceRow:
    return SourceRow(number, dict(values), None)


def bad(number: int, error: str) -> SourceRow:
    return SourceRow(number, None, error)


def write_bytes(directory: Path, name: str, content: bytes) -> Path:
    path = directory / name
    path.write_bytes(content)
    return path


def make_xlsx(path: Path, rows: Sequence[Sequence[object]], *, text: Sequence[str] = ()) -> Path:
    """A workbook as Excel would save it (with a stated size); `text` cells stay text."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    for coordinate in text:
        sheet[coordinate].data_type = "s"
    book.save(path)
    return path


def rezip(source: Path, target: Path, replace: Mapping[str, bytes]) -> Path:
    """A copy of a ZIP archive with some parts' contents replaced."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, replace.get(info.filename, old.read(info.filename)))
    return target


# --- CSV: encodings -----------------------------------------------------------------------------


def test_utf8_csv_headers_are_stripped_and_lower_cased(tmp_path: Path) -> None:
    path = write_bytes(
        tmp_path,
        "a.csv",
        " Subject_ID ,Name,金额\r\n91330100MA27XYZ12X,杭州西市,1200.50\r\n".encode(),
    )
    with open_rows(path) as reader:
        assert (reader.format, reader.encoding, reader.headers) == (
            "csv",
            "utf-8",
            ["subject_id", "name", "金额"],
        )
        assert list(reader) == [
            ok(1, subject_id="91330100MA27XYZ12X", name="杭州西市", 金额="1200.50")
        ]


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "a.csv", "\ufeffsubject_id,name\nx,名\n".encode())
    with open_rows(path) as reader:
        assert (reader.encoding, reader.headers) == ("utf-8-sig", ["subject_id", "name"])
        assert list(reader) == [ok(1, subject_id="x", name="名")]


def test_gbk_csv_is_read_as_gb18030(tmp_path: Path) -> None:
    content = "统一社会信用代码,企业名称,处罚机关\n91330100MA27XYZ12X,杭州西市有限公司,杭州市市场监督管理局\n"
    path = write_bytes(tmp_path, "gbk.csv", content.encode("gbk"))
    with open_rows(path) as reader:
        assert (reader.encoding, reader.headers) == (
            "gb18030",
            ["统一社会信用代码", "企业名称", "处罚机关"],
        )
        assert list(reader) == [
            ok(
                1,
                统一社会信用代码="91330100MA27XYZ12X",
                企业名称="杭州西市有限公司",
                处罚机关="杭州市市场监督管理局",
            )
        ]


def test_bytes_that_do_not_decode_after_the_sample_make_a_row_error(tmp_path: Path) -> None:
    good = "杭州西市有限公司,1\n".encode("gbk")
    rows = 1024 * 1024 // len(good) + 10  # past the 1 MiB that decides the encoding
    content = "名称,金额\n".encode("gbk") + good * rows + b"\x80\xff,2\n" + "李四,3\n".encode("gbk")
    path = write_bytes(tmp_path, "gbk.csv", content)
    with open_rows(path) as reader:
        assert reader.encoding == "gb18030"
        tail = list(reader)[-3:]
    assert tail == [
        ok(rows, 名称="杭州西市有限公司", 金额="1"),
        bad(
            rows + 1,
            "bytes that are not valid GB18030 (GBK) text (the encoding found at the start of the "
            "file); save the file as CSV UTF-8",
        ),
        ok(rows + 2, 名称="李四", 金额="3"),
    ]


def test_a_damaged_byte_in_a_utf8_file_spoils_only_its_row(tmp_path: Path) -> None:
    lines = ["name,city"] + ["杭州西市有限公司,杭州"] * 30
    content = "\n".join(lines).encode() + b"\nbad\xe9name,x\nlast,\xe6\x9d\xad\n"
    with open_rows(write_bytes(tmp_path, "a.csv", content)) as reader:
        assert reader.encoding == "utf-8"
        rows = list(reader)
    assert rows[-2:] == [
        bad(
            31,
            "bytes that are not valid UTF-8 text (the encoding found at the start of the file); "
            "save the file as CSV UTF-8",
        ),
        ok(32, name="last", city="杭"),
    ]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_bom(tmp_path: Path, codec: str) -> None:
    text = "\ufeffsubject_id\tname\n91330100MA27XYZ12X\t西市\n"
    path = write_bytes(
        tmp_path, "u.csv", text.encode(codec) if codec != "utf-16" else text[1:].encode(codec)
    )
    with open_rows(path) as reader:
        assert reader.encoding == ("utf-32" if codec == "utf-32" else "utf-16")
        assert reader.headers == ["subject_id", "name"]
        assert list(reader) == [ok(1, subject_id="91330100MA27XYZ12X", name="西市")]


def test_utf16_without_a_bom_is_refused_with_advice(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "u.csv", "subject_id,name\nx,y\n".encode("utf-16-le"))
    assert unreadable(path) == (
        "the file looks like UTF-16 text without a byte-order mark; save it as CSV UTF-8"
    )


def test_text_in_no_known_encoding_is_refused(tmp_path: Path) -> None:
    junk = bytes(byte or 1 for byte in random.Random(3).randbytes(4096))  # no NUL
    path = write_bytes(tmp_path, "a.csv", b"name,city\n" + junk)
    assert unreadable(path) == (
        "the file is not text in UTF-8, UTF-16 or GB18030/GBK (it may be binary, or in another "
        "encoding such as Big5); save it as CSV UTF-8"
    )


# --- CSV: delimiters, quoting, shapes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "delimiter"),
    [
        ("name;amount;note\nA;1,5;x\n", ";"),
        ("name\tamount\tnote\nA\t1,5\tx\n", "\t"),
        ('"name,full";amount;note\nA;1,5;x\n', ";"),
    ],
)
def test_delimiter_is_sniffed_from_the_header(tmp_path: Path, content: str, delimiter: str) -> None:
    with open_rows(write_bytes(tmp_path, "a.csv", content.encode())) as reader:
        assert reader.delimiter == delimiter  # type: ignore[attr-defined]
        rows = list(reader)
    assert [row.values for row in rows] == [
        dict(zip(reader.headers, ["A", "1,5", "x"], strict=True))
    ]


def test_single_column_file(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "a.csv", b"subject_id\nx\ny\n")
    assert read(path) == [ok(1, subject_id="x"), ok(2, subject_id="y")]


def test_csv_injection_strings_are_plain_text(tmp_path: Path) -> None:
    payloads = [
        "=1+1",
        '=HYPERLINK("http://evil.example","click")',
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1",
    ]
    path = write_rows(tmp_path / "a.csv", "csv", ["name"], [{"name": p} for p in payloads])
    assert read(path) == [ok(n, name=p) for n, p in enumerate(payloads, 1)]


def test_quoted_fields_may_span_lines_and_numbers_count_records(tmp_path: Path) -> None:
    content = b'name,note\r\nA,"line one\r\nline two"\r\n\r\nB,"say ""hi"""\r\n'
    assert read(write_bytes(tmp_path, "a.csv", content)) == [
        ok(1, name="A", note="line one\r\nline two"),
        ok(3, name="B", note='say "hi"'),
    ]


def test_wrong_numbers_of_values_are_row_errors(tmp_path: Path) -> None:
    content = b"a,b,c\n1,2,3\n1,2\n1,2,3,4\n1,2,3,,\n,,\n\n1,2,3,4,\n1\n"
    assert read(write_bytes(tmp_path, "a.csv", content)) == [
        ok(1, a="1", b="2", c="3"),
        bad(2, "row has 2 values but the header has 3 columns"),
        bad(3, "row has 4 values but the header has 3 columns"),
        ok(4, a="1", b="2", c="3"),
        bad(7, "row has 4 values but the header has 3 columns"),
        bad(8, "row has 1 value but the header has 3 columns"),
    ]


def test_trailing_unnamed_columns_are_dropped_but_must_stay_empty(tmp_path: Path) -> None:
    content = b"a,b,,\n1,2,,\n1,2,x,\n"
    with open_rows(write_bytes(tmp_path, "a.csv", content)) as reader:
        assert reader.headers == ["a", "b"]
        assert list(reader) == [
            ok(1, a="1", b="2"),
            bad(2, "row has 3 values but the header has 2 columns"),
        ]


def test_a_field_over_1_mib_is_a_row_error_and_reading_goes_on(tmp_path: Path) -> None:
    content = b"a,b\n1,2\nx," + b"y" * 2_000_000 + b"\n3,4\n"
    assert read(write_bytes(tmp_path, "a.csv", content)) == [
        ok(1, a="1", b="2"),
        bad(2, "field larger than 1 MiB"),
        ok(3, a="3", b="4"),
    ]


def test_an_unclosed_quote_is_stopped_by_the_field_cap(tmp_path: Path) -> None:
    content = b'a,b\n1,"open\n' + b"z,z\n" * 300_000 + b"5,6\n"
    rows = read(write_bytes(tmp_path, "a.csv", content))
    assert rows[0] == bad(1, "field larger than 1 MiB")
    assert rows[-1] == ok(len(rows), a="5", b="6")


def test_a_line_over_16_mib_is_a_row_error_and_reading_goes_on(tmp_path: Path) -> None:
    content = b"a,b\n1,2\n" + b"x," * (9 * 1024 * 1024) + b"\n3,4\n"
    assert read(write_bytes(tmp_path, "a.csv", content)) == [
        ok(1, a="1", b="2"),
        bad(2, "line longer than 16 MiB"),
        ok(3, a="3", b="4"),
    ]


def test_nul_byte_in_a_later_row_is_a_row_error(tmp_path: Path) -> None:
    content = b"a,b\n" + b"1,2\n" * 400 + b"x\x00y,2\n3,4\n"
    rows = read(write_bytes(tmp_path, "a.csv", content))
    assert rows[-2:] == [
        bad(401, "NUL byte in the row (binary data or a corrupt export)"),
        ok(402, a="3", b="4"),
    ]


def test_only_a_header_gives_no_rows(tmp_path: Path) -> None:
    with open_rows(write_bytes(tmp_path, "a.csv", b"a,b\r\n")) as reader:
        assert (reader.headers, list(reader)) == (["a", "b"], [])


def test_blank_lines_before_the_header_are_skipped(tmp_path: Path) -> None:
    assert read(write_bytes(tmp_path, "a.csv", b"\n\n  \na,b\n1,2\n")) == [ok(1, a="1", b="2")]


def test_bytes_read_reaches_the_file_size(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "a.csv", "csv", ["a"], ({"a": str(i)} for i in range(50_000)))
    with open_rows(path) as reader:
        seen = [reader.bytes_read() for _ in reader]
        assert seen == sorted(seen)
        assert 0 < seen[0] < reader.total_bytes
        assert reader.bytes_read() == reader.total_bytes == path.stat().st_size


def test_a_reader_is_read_once(tmp_path: Path) -> None:
    with open_rows(write_bytes(tmp_path, "a.csv", b"a\n1\n")) as reader:
        list(reader)
        with pytest.raises(RuntimeError, match="read only once"):
            iter(reader)


# --- whole-file problems ------------------------------------------------------------------------


def test_missing_header_row_is_found_with_expected_headers(tmp_path: Path) -> None:
    path = write_bytes(
        tmp_path,
        "a.csv",
        "91330100MA27XYZ12X,杭州西市,2025-03-01\n91330100MA27XYZ13X,东方,2025-03-02\n".encode(),
    )
    assert unreadable(path, expected_headers=["subject_id", "name", "decision_date"]) == (
        "none of the expected column names is in the header row: expected subject_id, name, "
        "decision_date; found 91330100ma27xyz12x, 杭州西市, 2025-03-01. The first row must name "
        "the columns (is the header row missing, or is there a title row above it?)"
    )


def test_expected_headers_need_only_one_match(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "a.csv", b"Subject_ID,other\nx,y\n")
    assert read(path, expected_headers=["subject_id", "name"]) == [ok(1, subject_id="x", other="y")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"a,b,A\n1,2,3\n",
            'column name "a" appears twice in the header row (columns 1 and 3); column names '
            "must be unique",
        ),
        (
            b"a,,c\n1,2,3\n",
            "column 2 of the header row has no name; name every column or delete the empty column",
        ),
        (
            b"\n \n\r\n",
            "the file has no header row: it holds only blank lines; the first row must name the columns",
        ),
        (
            b"\xef\xbb\xbf",
            "the file has no header row: it holds only blank lines; the first row must name the columns",
        ),
        (b"", "the file is empty (0 bytes); export the data again"),
        (
            b"a,b\n1,\x002\n",
            "the file is not CSV text: it has NUL bytes in the first 1 KiB (binary data or a corrupt "
            "export); export the data again as CSV UTF-8",
        ),
        (
            random.Random(7).randbytes(4096),
            "the file is not CSV text: it has NUL bytes in the first 1 KiB (binary data or a corrupt "
            "export); export the data again as CSV UTF-8",
        ),
        (
            OLE2 + b"\x00" * 600,
            "the file is an Excel 97-2003 workbook (.xls) or a password-protected workbook, not CSV; "
            "open it in Excel or WPS, remove any password and save it as .xlsx or CSV UTF-8",
        ),
        (
            gzip.compress(b"a,b\n1,2\n"),
            "the file is a gzip-compressed file, not CSV; decompress it first",
        ),
        (
            b"%PDF-1.7\n",
            "the file is a PDF document, not CSV; export the data as CSV UTF-8 or .xlsx instead",
        ),
    ],
    ids=[
        "duplicate",
        "unnamed",
        "blank",
        "bom-only",
        "empty",
        "nul",
        "random",
        "xls",
        "gzip",
        "pdf",
    ],
)
def test_whole_file_problems_in_csv(tmp_path: Path, content: bytes, message: str) -> None:
    assert unreadable(write_bytes(tmp_path, "a.csv", content)) == message


def test_a_workbook_named_csv_is_recognised(tmp_path: Path) -> None:
    workbook = make_xlsx(tmp_path / "w.xlsx", [["a"], [1]])
    path = write_bytes(tmp_path, "w.csv", workbook.read_bytes())
    assert unreadable(path) == (
        "the file is an XLSX workbook, not CSV; give it the .xlsx extension or declare its format as xlsx"
    )


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "a.csv", b"a,b\n1,2\n" * 200)
    assert unreadable(path, max_bytes=1024) == (
        "the file is 1.56 KiB, over the limit of 1 KiB; split it into smaller files"
    )


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert unreadable(tmp_path / "nope.csv") == f"file not found: {tmp_path / 'nope.csv'}"
    assert unreadable(tmp_path) == f"{tmp_path} is a directory, not a file"


# --- format detection ---------------------------------------------------------------------------


def test_detect_format_by_declaration_extension_and_content(tmp_path: Path) -> None:
    xlsx = make_xlsx(tmp_path / "book.bin", [["a"]])
    parquet = write_rows(tmp_path / "table.bin", "parquet", ["a"], [{"a": "1"}])
    cases = {
        write_bytes(tmp_path, "upper.CSV", b"a\n"): "csv",
        write_bytes(tmp_path, "x.ndjson", b"{}\n"): "jsonl",
        write_bytes(tmp_path, "x.json-lines", b"{}\n"): "jsonl",
        write_bytes(tmp_path, "x.jsonl", b"a\n"): "jsonl",
        write_bytes(tmp_path, "export.txt", b"a;b\n1;2\n"): "csv",
        write_bytes(tmp_path, "data", b'\xef\xbb\xbf {"a": 1}\n'): "jsonl",
        write_bytes(tmp_path, "array", b'[{"a": 1}]'): "jsonl",
        xlsx: "xlsx",
        parquet: "parquet",
    }
    assert {path.name: detect_format(path) for path in cases} == {
        p.name: f for p, f in cases.items()
    }
    assert detect_format(tmp_path / "whatever.csv", " XLSX ") == "xlsx"
    with pytest.raises(
        FileUnreadable, match=r"^unknown file format 'xls'; use one of: csv, xlsx, jsonl, parquet$"
    ):
        detect_format(xlsx, "xls")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            OLE2,
            "the file is an Excel 97-2003 workbook (.xls) or a password-protected workbook, not CSV, "
            "XLSX, JSON Lines or Parquet; open it in Excel or WPS, remove any password and save it "
            "as .xlsx or CSV UTF-8",
        ),
        (
            b"PK\x05\x06" + b"\x00" * 18,
            "the file is a ZIP archive but not an Excel workbook (.xlsx); unzip it and import the file inside",
        ),
    ],
)
def test_detect_format_refuses_known_non_data_files(
    tmp_path: Path, content: bytes, message: str
) -> None:
    assert unreadable(write_bytes(tmp_path, "upload.xls", content)) == message


def test_a_zip_of_a_csv_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "upload"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    message = "the file is a ZIP archive but not an Excel workbook (.xlsx); unzip it and import the file inside"
    assert unreadable(path) == message
    assert unreadable(path.rename(tmp_path / "upload.xlsx")) == message


# --- XLSX -------------------------------------------------------------------------------------


def test_xlsx_values_keep_their_type_and_dates_become_iso(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "a.xlsx",
        [
            ["Subject_ID", "Amount", "Count", "Phone", "Decided", "At", "Fine", "Note"],
            [
                "91330100MA27XYZ12X",
                1200.5,
                3,
                13800138000.0,
                date(2025, 3, 1),
                datetime(2025, 3, 1, 9, 30),
                True,
                "  x ",
            ],
            [],
            ["x", 0.1, None, None, None, None, False, "=1+1"],
            [None, None, None, None, None, None, None, "   "],
            ["y", 1e20, -0.0, 2**60, None, time(14, 5), None, None],
        ],
        text=["H4"],
    )
    with open_rows(path) as reader:
        assert (reader.format, reader.encoding, reader.total_rows) == ("xlsx", None, 5)
        rows = list(reader)
        assert reader.bytes_read() == reader.total_bytes
    assert rows == [
        ok(1, subject_id="91330100MA27XYZ12X", amount=1200.5, count=3, phone=13800138000,
           decided="2025-03-01", at="2025-03-01T09:30:00", fine=True, note="  x "),
        ok(3, subject_id="x", amount=0.1, count=None, phone=None, decided=None, at=None, fine=False, note="=1+1"),
        ok(5, subject_id="y", amount=100000000000000000000, count=0, phone=2**60, decided=None,
           at="14:05:00", fine=None, note=None),
    ]  # fmt: skip


def test_xlsx_formula_cells_are_refused_per_row(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "a.xlsx",
        [
            ["name", "website", "amount"],
            ["A", '=HYPERLINK("http://evil.example","click")', 1],
            ["B", "x", "=1+1"],
            ["C", "=1+1", 2],
        ],
        text=["B4"],
    )
    assert read(path) == [
        bad(
            1,
            "formula in column B (website) is not accepted (formula injection); paste values instead",
        ),
        bad(
            2,
            "formula in column C (amount) is not accepted (formula injection); paste values instead",
        ),
        ok(3, name="C", website="=1+1", amount=2),
    ]


def test_xlsx_error_values_and_cells_without_a_header(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "a.xlsx",
        [[None], ["name", "amount"], ["A", "#N/A"], ["B", 1, None, "stray"], ["C", 2, None, "  "]],
    )
    with open_rows(path) as reader:
        assert reader.headers == ["name", "amount"]
        assert list(reader) == [
            bad(1, "error value #N/A in column B (amount); fix or clear it"),
            bad(2, "value in column D, which has no header; name the column or delete the value"),
            ok(3, name="C", amount=2),
        ]


def test_xlsx_only_the_first_worksheet_is_read(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["a"])
    book.active.append(["first"])
    second = book.create_sheet("second")
    second.append(["a"])
    second.append(["second"])
    book.save(tmp_path / "a.xlsx")
    assert read(tmp_path / "a.xlsx") == [ok(1, a="first")]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [],
            "the first worksheet has no header row: it is empty; put the column names in the first row and the data below",
        ),
        ([["a", "=UPPER(B1)"]], "header cell B is a formula; type the column name"),
        (
            [["a", None, "c"]],
            "column B of the header row has no name; name every column or delete the empty column",
        ),
        (
            [["a", "b", "A"]],
            'column name "a" appears twice in the header row (columns A and C); column names must be unique',
        ),
    ],
    ids=["empty", "formula", "unnamed", "duplicate"],
)
def test_xlsx_header_problems(tmp_path: Path, rows: list[list[object]], message: str) -> None:
    assert unreadable(make_xlsx(tmp_path / "a.xlsx", rows)) == message


def test_truncated_xlsx(tmp_path: Path) -> None:
    good = make_xlsx(tmp_path / "good.xlsx", [["a"], [1]]).read_bytes()
    path = write_bytes(tmp_path, "cut.xlsx", good[: len(good) // 2])
    assert unreadable(path) == (
        f"not a valid XLSX workbook: the ZIP container is damaged or truncated; {REOPEN}"
    )


def test_xlsx_needing_a_newer_zip_version(tmp_path: Path) -> None:
    damaged = bytearray(make_xlsx(tmp_path / "good.xlsx", [["a"], [1]]).read_bytes())
    central = damaged.index(b"PK\x01\x02")
    damaged[central + 6] = 0xFF  # "version needed to extract": zipfile raises NotImplementedError
    assert unreadable(write_bytes(tmp_path, "a.xlsx", bytes(damaged))) == (
        f"not a valid XLSX workbook: the ZIP container is damaged or truncated; {REOPEN}"
    )


def test_old_xls_named_xlsx(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "a.xlsx", OLE2 + b"\x00" * 2000)
    assert unreadable(path) == (
        "the file is an Excel 97-2003 workbook (.xls) or a password-protected workbook, not an XLSX "
        "workbook; open it in Excel or WPS, remove any password and save it as .xlsx or CSV UTF-8"
    )


def test_xlsx_with_a_broken_workbook_part(tmp_path: Path) -> None:
    good = make_xlsx(tmp_path / "good.xlsx", [["a"], [1]])
    path = rezip(good, tmp_path / "a.xlsx", {"xl/workbook.xml": b"<workbook><sheets"})
    assert re.fullmatch(
        rf"not a valid XLSX workbook \(ParseError: .+\); {re.escape(REOPEN)}", unreadable(path)
    )


def test_xlsx_damaged_in_the_middle_of_the_sheet(tmp_path: Path) -> None:
    good = make_xlsx(tmp_path / "good.xlsx", [["a", "b"]] + [[i, f"text {i}"] for i in range(5000)])
    with zipfile.ZipFile(good) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    path = rezip(
        good, tmp_path / "a.xlsx", {"xl/worksheets/sheet1.xml": sheet[: len(sheet) * 3 // 4]}
    )
    rows: list[SourceRow] = []
    with open_rows(path) as reader, pytest.raises(FileUnreadable) as caught:
        rows.extend(reader)
    assert rows[:2] == [ok(1, a=0, b="text 0"), ok(2, a=1, b="text 1")]
    assert re.fullmatch(
        rf"the workbook is damaged at row {len(rows) + 2} of the first sheet \(ParseError: .+\); {re.escape(REOPEN)}",
        str(caught.value),
    )


def test_xlsx_part_that_would_expand_too_far(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_xlsx(tmp_path / "a.xlsx", [["a"], [1]])
    monkeypatch.setattr(xlsx_module, "MAX_PART_BYTES", 1024)
    with zipfile.ZipFile(path) as archive:
        part = next(info for info in archive.infolist() if info.file_size > 1024)
    assert part.filename == "xl/theme/theme1.xml"
    assert unreadable(path) == (
        f"the workbook part xl/theme/theme1.xml expands to {part.file_size / 1024:.3g} KiB, over "
        "the limit of 1 KiB; save the data as CSV UTF-8"
    )


def test_xlsx_with_a_wrong_stated_size_is_not_padded(tmp_path: Path) -> None:
    good = make_xlsx(tmp_path / "good.xlsx", [["a", "b"], [1, 2]])
    with zipfile.ZipFile(good) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    sheet = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:XFD1048576"', sheet)
    with open_rows(rezip(good, tmp_path / "a.xlsx", {"xl/worksheets/sheet1.xml": sheet})) as reader:
        assert reader.total_rows == 1048575
        assert list(reader) == [ok(1, a=1, b=2)]


# --- JSON Lines ---------------------------------------------------------------------------------


def test_jsonl_rows_and_line_errors(tmp_path: Path) -> None:
    lines = [
        b'\xef\xbb\xbf{"Subject_ID": "91330100MA27XYZ12X", "amount": 12.5, "ok": true, "note": null}',
        b"",
        b"not json",
        b"[1, 2]",
        b'"text"',
        b'{"a": {"b": 1}}',
        b'{"a": [1]}',
        b'{"a": NaN}',
        b'{"a": -Infinity}',
        b'{"a": 1, "A": 2}',
        b'{"a": 1e400}',
        b'{"a": "\xff"}',
        b'{"": 1}',
        b"{}",
        b'{"a": "", "b": null}',
        b'{"a": 1',
        b"[" * 100_000 + b"]" * 100_000,
        b'  {"subject_id": "x", "extra": 1}  \r',
    ]
    path = write_bytes(tmp_path, "a.jsonl", b"\n".join(lines))
    with open_rows(path) as reader:
        assert (reader.format, reader.headers) == ("jsonl", ["subject_id", "amount", "ok", "note"])
        rows = list(reader)
        assert reader.bytes_read() == reader.total_bytes
    only = "only text, numbers, true/false and null are accepted"
    assert rows == [
        ok(1, subject_id="91330100MA27XYZ12X", amount=12.5, ok=True, note=None),
        bad(3, "line is not valid JSON: Expecting value at column 1"),
        bad(4, "line is an array, not a JSON object; write one object per line"),
        bad(5, "line is a string, not a JSON object; write one object per line"),
        bad(6, f'value of "a" is a nested object; {only}'),
        bad(7, f'value of "a" is an array; {only}'),
        bad(8, "NaN is not valid JSON; write null for a missing number"),
        bad(9, "-Infinity is not valid JSON; write null for a missing number"),
        bad(10, 'key "a" appears twice in the object'),
        bad(11, 'number in "a" is too large'),
        bad(12, "line is not valid UTF-8 text; JSON Lines files must be UTF-8"),
        bad(13, "a key is empty; every value needs a column name"),
        bad(16, "line is not valid JSON: Expecting ',' delimiter at column 8"),
        bad(17, "line is not valid JSON: nested too deeply"),
        ok(18, subject_id="x", extra=1),
    ]


def test_jsonl_headers_come_from_the_first_object(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "a.jsonl", b'oops\n{"name": "A"}\n{"other": 1}\n')
    with open_rows(path) as reader:
        assert reader.headers == ["name"]
        assert list(reader) == [
            bad(1, "line is not valid JSON: Expecting value at column 1"),
            ok(2, name="A"),
            ok(3, other=1),
        ]
    assert unreadable(path, expected_headers=["subject_id"]) == (
        "none of the expected column names is in the header row: expected subject_id; found name. "
        "The first row must name the columns (is the header row missing, or is there a title row "
        "above it?)"
    )


def test_jsonl_long_line(tmp_path: Path) -> None:
    content = b'{"a": 1}\n{"a": "' + b"x" * (17 * 1024 * 1024) + b'"}\n{"a": 2}\n'
    assert read(write_bytes(tmp_path, "a.jsonl", content)) == [
        ok(1, a=1),
        bad(2, "line longer than 16 MiB"),
        ok(3, a=2),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b'[\n  {"a": 1},\n  {"a": 2}\n]\n',
            "the file is a JSON array, not JSON Lines; write one JSON object per line with no enclosing [ ]",
        ),
        (
            b'{\n  "a": 1\n}\n',
            "the file is pretty-printed JSON, not JSON Lines; write each object on one line",
        ),
        (
            '{"a": "中"}\n'.encode("utf-16"),
            "the file is UTF-16 or UTF-32 text, not UTF-8; save it as JSON Lines UTF-8",
        ),
        (
            b"\x1f\x8b\x08\x00",
            "the file is a gzip-compressed file, not JSON Lines; decompress it first",
        ),
    ],
    ids=["array", "pretty", "utf-16", "gzip"],
)
def test_jsonl_whole_file_problems(tmp_path: Path, content: bytes, message: str) -> None:
    assert unreadable(write_bytes(tmp_path, "a.jsonl", content)) == message


# --- Parquet ------------------------------------------------------------------------------------


def test_parquet_types(tmp_path: Path) -> None:
    table = pa.table(
        {
            "Name": pa.array(["A", "B", None, "D"]),
            "count": pa.array([1, None, None, 4], pa.int32()),
            "rate": pa.array([0.5, float("nan"), None, float("inf")]),
            "ok": pa.array([True, False, None, None]),
            "on": pa.array([date(2025, 3, 1), None, None, None]),
            "at": pa.array(
                [datetime(2025, 3, 1, 8, 0, 0, 5), None, None, None], pa.timestamp("ns")
            ),
            "amount": pa.array([Decimal("1200.50"), None, None, None], pa.decimal128(10, 2)),
            "kind": pa.array(["x", "y", None, "z"]).dictionary_encode(),
        }
    )
    pq.write_table(table, tmp_path / "a.parquet", row_group_size=2)
    with open_rows(tmp_path / "a.parquet") as reader:
        assert (reader.headers, reader.total_rows) == (
            ["name", "count", "rate", "ok", "on", "at", "amount", "kind"],
            4,
        )
        rows = list(reader)
    assert rows == [
        ok(1, name="A", count=1, rate=0.5, ok=True, on="2025-03-01", at="2025-03-01T08:00:00.000005", amount="1200.50", kind="x"),
        ok(2, name="B", count=None, rate=None, ok=False, on=None, at=None, amount=None, kind="y"),
        bad(4, 'number in column "rate" is infinite'),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            pa.table({"a": pa.array([{"x": 1}])}),
            'column "a" has the type struct<x: int64>, which cannot be imported; use text, '
            "numbers, booleans, dates or timestamps",
        ),
        (
            pa.table({"a": pa.array([b"\x00"])}),
            'column "a" has the type binary, which cannot be imported; use text, numbers, '
            "booleans, dates or timestamps",
        ),
        (
            pa.table([pa.array(["x"]), pa.array(["y"])], names=["Name", "name"]),
            'column name "name" appears twice in the header row (columns 1 and 2); column names must be unique',
        ),
    ],
    ids=["nested", "binary", "duplicate"],
)
def test_parquet_whole_file_problems(tmp_path: Path, table: pa.Table, message: str) -> None:
    pq.write_table(table, tmp_path / "a.parquet")
    assert unreadable(tmp_path / "a.parquet") == message


def test_parquet_text_that_is_not_utf8_is_a_row_error(tmp_path: Path) -> None:
    text = pa.array([b"ok", b"\xff", None], pa.binary()).view(pa.string())
    pq.write_table(pa.table({"a": text, "n": [1, 2, 3]}), tmp_path / "a.parquet")
    assert read(tmp_path / "a.parquet") == [
        ok(1, a="ok", n=1),
        bad(2, 'text in column "a" is not valid UTF-8'),
        ok(3, a=None, n=3),
    ]


def test_corrupt_parquet(tmp_path: Path) -> None:
    good = write_rows(tmp_path / "good.parquet", "parquet", ["a"], [{"a": "1"}]).read_bytes()
    truncated = write_bytes(tmp_path, "cut.parquet", good[: len(good) // 2])
    assert re.fullmatch(
        r"not a valid Parquet file \(\w+: .+\); write it again, or export the data as CSV UTF-8",
        unreadable(truncated),
    )
    assert re.fullmatch(
        r"not a valid Parquet file .+", unreadable(write_bytes(tmp_path, "x.parquet", b"a,b\n"))
    )


# --- round trips and size -----------------------------------------------------------------------

HEADERS = ["a", "b", "c"]
TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff"),
    max_size=12,
)


def expected_rows(fmt: str, rows: Sequence[Mapping[str, str]]) -> list[SourceRow]:
    def value(text: str) -> object:
        return None if fmt == "xlsx" and text == "" else text

    return [
        ok(number, **{h: value(row[h]) for h in HEADERS})
        for number, row in enumerate(rows, 1)
        if not is_blank(list(row.values()))
    ]


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.fixed_dictionaries({h: TEXT for h in HEADERS}), max_size=8))
def test_round_trip_of_any_text(fmt: str, rows: list[dict[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = write_rows(Path(directory) / f"rows.{fmt}", fmt, HEADERS, rows)
        if fmt == "jsonl" and not rows:  # no rows is no bytes, refused as an empty file
            with pytest.raises(FileUnreadable, match=r"^the file is empty"):
                open_rows(path)
            return
        with open_rows(path) as reader:
            assert reader.headers == HEADERS
            assert list(reader) == expected_rows(fmt, rows)


def test_round_trip_keeps_json_types(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [
        {"a": 1, "b": 2.5, "c": True},
        {"a": Decimal("1.10"), "b": date(2025, 1, 2), "c": None},
    ]
    path = write_rows(tmp_path / "a.jsonl", "jsonl", HEADERS, rows)
    assert read(path) == [ok(1, a=1, b=2.5, c=True), ok(2, a="1.10", b="2025-01-02", c=None)]
    path = write_rows(tmp_path / "a.csv", "csv", HEADERS, rows)
    assert read(path) == [ok(1, a="1", b="2.5", c="true"), ok(2, a="1.10", b="2025-01-02", c="")]
    with pytest.raises(ValueError, match=r"^row has keys that are not headers: d$"):
        write_rows(tmp_path / "b.csv", "csv", HEADERS, [{"d": 1}])


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_200k_rows_stream(tmp_path: Path, fmt: str) -> None:
    count = 200_000
    rows = ({"id": str(i), "name": f"企业{i}", "amount": f"{i}.50"} for i in range(count))
    path = write_rows(tmp_path / f"big.{fmt}", fmt, ["id", "name", "amount"], rows)
    seen = 0
    last: SourceRow | None = None
    with open_rows(path) as reader:
        for row in reader:
            seen += 1
            last = row
        assert reader.bytes_read() == reader.total_bytes
    assert seen == count
    assert last == ok(count, id=str(count - 1), name=f"企业{count - 1}", amount=f"{count - 1}.50")


# --- the whole hostile corpus: FileUnreadable or rows, never a crash ---------------------------


def hostile_corpus(directory: Path) -> dict[str, Path]:
    """Files a provider might upload by mistake or malice, one per name."""
    rng = random.Random(20260101)
    directory.mkdir(parents=True, exist_ok=True)
    workbook = make_xlsx(directory / "good.xlsx", [["a", "b"], [1, "=1+1"], ["x", "y"]])
    workbook_bytes = workbook.read_bytes()
    flipped = bytearray(workbook_bytes)
    for index in range(200, len(flipped) - 200, 97):
        flipped[index] ^= 0x5A
    files: dict[str, bytes] = {
        "empty.csv": b"",
        "random.bin": rng.randbytes(8192),
        "random-no-nul.csv": bytes(b or 1 for b in rng.randbytes(8192)),
        "nul-header.csv": b"a\x00,b\n1,2\n",
        "only-quotes.csv": b'"' * 5000,
        "cr-only.csv": b"a,b\r1,2\r3,4\r",
        "mixed-newlines.csv": b"a,b\r\n1,2\n3,4\r5,6",
        "unclosed-quote.csv": b'a,b\n1,"2\n3,4\n',
        "bom-then-junk.csv": b"\xef\xbb\xbf\xff\xfe\x00\x00",
        "utf16-odd-length.csv": "a,b\n1,2\n".encode("utf-16") + b"\x00",
        "utf32.csv": "a,b\n1,2\n".encode("utf-32"),
        "huge-header.csv": b"," * 3_000_000 + b"\n",
        "flipped.xlsx": bytes(flipped),
        "truncated.xlsx": workbook_bytes[:-100],
        "not-zip.xlsx": b"PK\x03\x04" + rng.randbytes(500),
        "text.xlsx": b"a,b\n1,2\n",
        "text.parquet": b"PAR1 is not enough",
        "par1-both-ends.parquet": b"PAR1" + rng.randbytes(100) + b"PAR1",
        "array.jsonl": b"[]",
        "deep.jsonl": b'{"a": ' + b"[" * 50_000 + b"\n",
        "numbers.jsonl": b"1\n2\n3\n",
        "big-int.jsonl": b'{"a": ' + b"9" * 5000 + b"}\n",
        "ole2.xlsx": OLE2 + rng.randbytes(1000),
    }
    return {name: write_bytes(directory, name, content) for name, content in files.items()}


def test_every_hostile_file_is_refused_or_read_row_by_row(tmp_path: Path) -> None:
    outcomes: dict[str, str] = {}
    for name, path in hostile_corpus(tmp_path / "corpus").items():
        try:
            rows = read(path)
        except FileUnreadable as exc:
            assert str(exc), name
            outcomes[name] = "unreadable"
        else:
            assert all((row.values is None) != (row.error is None) for row in rows), name
            outcomes[name] = f"{len(rows)} rows"
    assert outcomes == {
        "empty.csv": "unreadable",
        "random.bin": "unreadable",
        "random-no-nul.csv": "unreadable",
        "nul-header.csv": "unreadable",
        "only-quotes.csv": "0 rows",
        "cr-only.csv": "2 rows",
        "mixed-newlines.csv": "3 rows",
        "unclosed-quote.csv": "1 rows",
        "bom-then-junk.csv": "unreadable",
        "utf16-odd-length.csv": "2 rows",
        "utf32.csv": "1 rows",
        "huge-header.csv": "unreadable",
        "flipped.xlsx": "unreadable",
        "truncated.xlsx": "unreadable",
        "not-zip.xlsx": "unreadable",
        "text.xlsx": "unreadable",
        "text.parquet": "unreadable",
        "par1-both-ends.parquet": "unreadable",
        "array.jsonl": "unreadable",
        "deep.jsonl": "1 rows",
        "numbers.jsonl": "3 rows",
        "big-int.jsonl": "1 rows",
        "ole2.xlsx": "unreadable",
    }
