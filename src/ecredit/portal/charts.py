"""Charts drawn on the server as SVG: no script, readable by screen readers through a title and a
description, and each shown beside a table with the same numbers (the text alternative)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

GRADES = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C")


@dataclass(frozen=True)
class GradePoint:
    as_of: date
    grade: str
    risk_class: str
    score: int


def _svg(width: int, height: int, title: str, desc: str, body: list[str], label_id: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{label_id}-t {label_id}-d">'
        f'<title id="{label_id}-t">{escape(title)}</title><desc id="{label_id}-d">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def grade_history(points: Sequence[GradePoint], title: str, desc: str) -> SafeString:
    """Grades over time as a step line, AAA at the top and C at the bottom."""
    width, height, left, right, top, bottom = 560, 240, 44, 16, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_h / (len(GRADES) - 1)
    body = []
    for i, g in enumerate(GRADES):
        y = top + i * step
        body.append(
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}"/>'
        )
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{g}</text>')
    n = len(points)
    xs = [left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2) for i in range(n)]
    ys = [top + GRADES.index(p.grade) * step if p.grade in GRADES else top + plot_h for p in points]
    if n:
        path = [f"M{xs[0]:.1f},{ys[0]:.1f}"]
        for i in range(1, n):
            path.append(f"H{xs[i]:.1f}V{ys[i]:.1f}")
        body.append(f'<path class="line" d="{"".join(path)}"/>')
    label_every = max(1, math.ceil(n / 6))
    for i, p in enumerate(points):
        body.append(
            f'<circle class="dot" cx="{xs[i]:.1f}" cy="{ys[i]:.1f}" r="3.5">'
            f"<title>{p.as_of.isoformat()}: {escape(p.grade)} / {escape(p.risk_class)}</title></circle>"
        )
        if i % label_every == 0 or i == n - 1:
            body.append(
                f'<text x="{xs[i]:.1f}" y="{height - 12}" text-anchor="middle">'
                f"{p.as_of.strftime('%Y-%m')}</text>"
            )
    return mark_safe(_svg(width, height, title, desc, body, "grade-history"))  # noqa: S308 - every text is escaped


def radar(values: Sequence[tuple[str, float]], title: str, desc: str) -> SafeString:
    """Dimension scores (0-100) on one axis each, the enterprise's as a filled polygon."""
    # wide enough for labels of ~25 characters left and right of the circle
    width, height, radius = 560, 300, 105
    cx, cy = width / 2, height / 2
    n = len(values)
    body = []
    if n < 3:
        return mark_safe(_svg(width, height, title, desc, body, "radar"))  # noqa: S308

    def at(i: int, r: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    for level in (25, 50, 75, 100):
        ring = " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (at(i, radius * level / 100) for i in range(n))
        )
        body.append(f'<polygon class="grid" points="{ring}"/>')
    for i, (label, _value) in enumerate(values):
        x, y = at(i, radius)
        body.append(f'<line class="axis" x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}"/>')
        lx, ly = at(i, radius + 18)
        anchor = "middle" if abs(lx - cx) < 10 else ("start" if lx > cx else "end")
        body.append(
            f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="{anchor}">{escape(label)}</text>'
        )
    shape = " ".join(
        f"{x:.1f},{y:.1f}"
        for x, y in (
            at(i, radius * max(0.0, min(100.0, v)) / 100) for i, (_l, v) in enumerate(values)
        )
    )
    body.append(f'<polygon class="area" points="{shape}"/>')
    return mark_safe(_svg(width, height, title, desc, body, "radar"))  # noqa: S308
