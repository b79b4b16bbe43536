"""A report PDF: Chinese in an embedded CJK font, a QR code that opens its verification page,
and an offline check that holds for the issued file and fails for a changed one."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter

from ecredit.cli_ledger import ledger as ledger_cli
from ecredit.core.reports.embedded import CONTENT_NAME, PROOF_NAME, content_bytes
from ecredit.ledger import actions as ledger
from ecredit.reports import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(world, admin_actor):  # type: ignore[no-untyped-def]
    report = actions.issue_report(admin_actor, world["a"], report_type="standard", lang="zh")
    return report, actions.pdf_of(report)


def _fonts(pdf: bytes) -> dict[str, bool]:
    """Base font name -> whether its file is embedded, over every page's fonts."""
    out: dict[str, bool] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            desc = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            embedded = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            out[str(font["/BaseFont"])] = embedded
    return out


def test_the_pdf_shows_chinese_in_an_embedded_cjk_font(issued):
    _report, pdf = issued
    fonts = _fonts(pdf)
    cjk = {name: emb for name, emb in fonts.items() if "CJK" in name}
    assert cjk and all(cjk.values()), fonts
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "企业标准信用报告" in text
    assert "杭州西湖好物电子商务有限公司" in text


def test_the_qr_code_decodes_to_the_verification_url(issued):
    import pypdfium2
    import zxingcpp

    report, pdf = issued
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=3).to_pil()
    texts = [r.text for r in zxingcpp.read_barcodes(image)]
    assert texts == [f"https://credit.example/verify/{report.number}/"]


def _verify(path, key, *extra):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(ledger_cli, ["verify", str(path), "--key", key, "--json", *extra])


def test_ledger_verify_checks_the_pdf_offline(issued, tmp_path):
    report, pdf = issued
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    key = ledger.verifier_key().encode()
    result = _verify(path, key)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["ok"] is True
    assert out["report"] == report.number
    assert out["index"] == report.ledger_index
    assert [c["check"] for c in out["checks"]] == [
        "content",
        "report",
        "leaf",
        "leaf hash",
        "signature",
        "checkpoint",
        "inclusion",
    ]


def _replace_content(pdf: bytes, content: dict) -> bytes:  # type: ignore[type-arg]
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.add_attachment(CONTENT_NAME, content_bytes(content))
    writer.add_attachment(PROOF_NAME, reader.attachments[PROOF_NAME][0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_changed_grade_in_the_pdf_fails_verify(issued, tmp_path):
    report, pdf = issued
    content = json.loads(json.dumps(report.content))
    content["rating"]["grade"] = "AAA"
    path = tmp_path / "tampered.pdf"
    path.write_bytes(_replace_content(pdf, content))
    result = _verify(path, ledger.verifier_key().encode())
    assert result.exit_code == 1, result.output
    failed = [c for c in json.loads(result.output)["checks"] if c["ok"] is False]
    assert [c["check"] for c in failed] == ["report"]
    assert "content hashes to" in failed[0]["detail"]


def test_a_pdf_without_the_report_attachments_fails_verify(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    path = tmp_path / "plain.pdf"
    with path.open("wb") as f:
        writer.write(f)
    result = _verify(path, "example.com+00000000+AQ==")
    assert result.exit_code in (1, 2)


def test_a_proof_of_another_report_fails_verify(issued, world, admin_actor, tmp_path):
    _report, pdf = issued
    other = actions.issue_report(admin_actor, world["b"], report_type="basic", lang="en")
    other_proof = PdfReader(io.BytesIO(actions.pdf_of(other))).attachments[PROOF_NAME][0]
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.add_attachment(CONTENT_NAME, reader.attachments[CONTENT_NAME][0])
    writer.add_attachment(PROOF_NAME, other_proof)
    path = tmp_path / "swapped.pdf"
    with path.open("wb") as f:
        writer.write(f)
    result = _verify(path, ledger.verifier_key().encode())
    assert result.exit_code == 1
    failed = [c for c in json.loads(result.output)["checks"] if c["ok"] is False]
    assert [c["check"] for c in failed] == ["report"]
    assert "number" in failed[0]["detail"] and "subject_id" in failed[0]["detail"]
