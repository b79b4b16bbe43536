"""A report's HTML and PDF from its content: charts (matplotlib PNG), the QR code (segno) of the
verification page, and the PDF (WeasyPrint, Noto CJK embedded) carrying the content and its
ledger proof as attachments."""

from __future__ import annotations

import base64
import io
import json
from functools import cache
from typing import Any

from django.template.loader import render_to_string

from ecredit.core.reports.embedded import CONTENT_NAME, PROOF_NAME, content_bytes

GRADES = ("C", "CC", "CCC", "B", "BB", "BBB", "A", "AA", "AAA")
CJK_FAMILY = "Noto Sans CJK SC"
# the report's own headings, in its language (a report is a document format, not a page)
LABELS: dict[str, dict[str, str]] = {
    "number": {"zh": "报告编号", "en": "Report number"},
    "issued": {"zh": "出具时间", "en": "Issued"},
    "issuer": {"zh": "出具机构", "en": "Issuer"},
    "as_of": {"zh": "数据截至", "en": "Data as of"},
    "versions": {"zh": "模型与指标体系版本", "en": "Model and indicator versions"},
    "verify": {"zh": "扫码或访问以下地址验证本报告", "en": "Scan or open to verify this report"},
    "identity": {"zh": "一、主体身份信息", "en": "1. Identity"},
    "name": {"zh": "名称", "en": "Name"},
    "name_en": {"zh": "英文名称", "en": "English name"},
    "entity_type": {"zh": "主体类型", "en": "Entity type"},
    "region": {"zh": "行政区划", "en": "Region"},
    "status": {"zh": "登记状态", "en": "Status"},
    "legal_rep": {"zh": "法定代表人", "en": "Legal representative"},
    "address": {"zh": "住所", "en": "Address"},
    "identifiers": {"zh": "标识", "en": "Identifiers"},
    "rating": {"zh": "二、信用等级与分类", "en": "2. Grade and class"},
    "grade": {"zh": "信用等级", "en": "Grade"},
    "class": {"zh": "风险分类", "en": "Risk class"},
    "score": {"zh": "信用评分", "en": "Score"},
    "rated_on": {"zh": "评价日期", "en": "Rated as of"},
    "no_rating": {"zh": "截至该日尚无信用评价。", "en": "No evaluation as of this date."},
    "rule": {"zh": "等级调整规则", "en": "Grade rule"},
    "reasons": {"zh": "主要影响因素", "en": "Main reasons"},
    "history": {"zh": "等级历史", "en": "Grade history"},
    "dimensions": {"zh": "维度得分", "en": "Dimension scores"},
    "lists": {"zh": "三、名单信息", "en": "3. List memberships"},
    "no_lists": {"zh": "未列入任何名单。", "en": "Not on any list."},
    "since": {"zh": "列入日期", "en": "Since"},
    "until": {"zh": "期限至", "en": "Until"},
    "records": {"zh": "四、公共信用信息（六类）", "en": "4. Credit information by category"},
    "none": {"zh": "无。", "en": "None."},
    "inspections": {"zh": "五、双随机抽查", "en": "5. Random inspections"},
    "depth": {"zh": "六、深度分析", "en": "6. In-depth analysis"},
    "contributions": {"zh": "指标贡献", "en": "Indicator contributions"},
    "whatif": {"zh": "提升建议", "en": "How to reach the next grade"},
    "checks": {"zh": "信用核查记录", "en": "Credit checks"},
    "leaf": {"zh": "账本叶子", "en": "Ledger leaf"},
    "audience_public": {
        "zh": "本报告仅含公开信息。",
        "en": "This report holds public information only.",
    },
    "audience_archive": {
        "zh": "本报告含主体授权的完整档案信息。",
        "en": "This report holds the whole archive, as the enterprise authorised.",
    },
    "ledger_note": {
        "zh": "本报告内容的 SHA-256 已写入可验证账本；PDF 附件含报告数据与账本证明，可用 `ecredit ledger verify` 离线验证。",
        "en": "The SHA-256 of this report's content is a leaf of the verifiable ledger; the PDF's attachments hold the data and the ledger proof, checkable offline with `ecredit ledger verify`.",
    },
    "dimension": {"zh": "维度", "en": "Dimension"},
    "value": {"zh": "数值", "en": "Value"},
    "total": {"zh": "合计", "en": "Total"},
    "target": {"zh": "目标等级", "en": "Target grade"},
}


@cache
def _cjk_font() -> str | None:
    """The CJK font family matplotlib can use (Debian's fonts-noto-cjk), or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    if not any("CJK" in n for n in names):  # matplotlib's font cache predates fonts-noto-cjk
        for path in font_manager.findSystemFonts():
            if "NotoSansCJK-Regular" in path:
                font_manager.fontManager.addfont(path)
        names = {f.name for f in font_manager.fontManager.ttflist}
    for name in (CJK_FAMILY, "Noto Serif CJK SC", "Noto Sans CJK JP"):
        if name in names:
            return name
    return None


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def charts(content: dict[str, Any]) -> dict[str, str]:
    """Data URIs of the grade-history line and the dimension-score radar (when there is data)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    font = _cjk_font()
    rc = {"font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"], "font.size": 9}
    out: dict[str, str] = {}
    with matplotlib.rc_context(rc):
        history = content.get("history") or []
        if history:
            fig, ax = plt.subplots(figsize=(6, 2.4))
            xs = [h["as_of"] for h in history]
            ys = [GRADES.index(h["grade"]) if h["grade"] in GRADES else 0 for h in history]
            ax.plot(range(len(xs)), ys, marker="o", color="#1f5f8b")
            ax.set_yticks(range(len(GRADES)), GRADES)
            step = max(1, len(xs) // 6)
            ax.set_xticks(range(0, len(xs), step), xs[::step], fontsize=7)
            ax.grid(alpha=0.3)
            out["history"] = _png(fig)
        rating = content.get("rating") or {}
        dims = rating.get("dimensions") or []
        if len(dims) >= 3:
            labels = [d["label"] for d in dims]
            values = [float(d["score"]) for d in dims]
            angles = np.linspace(0, 2 * np.pi, len(values), endpoint=False).tolist()
            fig = plt.figure(figsize=(3.6, 3.6))
            ax = fig.add_subplot(polar=True)
            ax.plot([*angles, angles[0]], [*values, values[0]], color="#1f5f8b")
            ax.fill([*angles, angles[0]], [*values, values[0]], alpha=0.25, color="#1f5f8b")
            ax.set_xticks(angles, labels)
            ax.set_ylim(0, 100)
            out["radar"] = _png(fig)
    return out


def qr_data_uri(url: str) -> str:
    import segno

    return str(segno.make(url, error="m").png_data_uri(scale=4, border=2))


def render_html(content: dict[str, Any], *, for_pdf: bool = False) -> str:
    """The report page (the same template for the browser and the PDF)."""
    return render_to_string(
        "reports/report.html",
        {
            "c": content,
            "zh": content["lang"] == "zh",
            "t": {k: v[content["lang"]] for k, v in LABELS.items()},
            "charts": charts(content),
            "qr": qr_data_uri(content["verify_url"]),
            "for_pdf": for_pdf,
            "json_size": len(content_bytes(content)),
        },
    )


def render_pdf(content: dict[str, Any], bundle: dict[str, Any]) -> bytes:
    """The PDF: the rendered report, with the content and its proof bundle attached."""
    from weasyprint import HTML, Attachment

    html = render_html(content, for_pdf=True)
    attachments = [
        Attachment(
            string=content_bytes(content).decode("utf-8"),
            name=CONTENT_NAME,
            description="the report's content (RFC 8785 JSON); its SHA-256 is in the ledger",
        ),
        Attachment(
            string=json.dumps(bundle, ensure_ascii=False, indent=1),
            name=PROOF_NAME,
            description="the proof that the report's ledger leaf is in the signed log",
        ),
    ]
    pdf = HTML(string=html).write_pdf(
        attachments=attachments, pdf_identifier=content["number"].encode()
    )
    assert pdf is not None
    return bytes(pdf)
