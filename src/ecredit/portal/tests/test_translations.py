"""Every string the pages show is translated into Chinese and Russian, and the .mo files match."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
PO = {
    lang: ROOT / "locale" / lang / "LC_MESSAGES" / "django.po" for lang in ("zh_Hans", "ru", "en")
}
TAG = re.compile(r'{%\s*(?:translate|trans)\s+"([^"]+)"')


def msgids(lang: str) -> set[str]:
    return set(re.findall(r'^msgid "(.+)"$', PO[lang].read_text(), re.M))


def template_strings() -> set[str]:
    found = set()
    for t in ROOT.glob("*/templates/**/*.html"):
        found |= set(TAG.findall(t.read_text()))
    return found


@pytest.mark.parametrize("lang", ["zh_Hans", "ru", "en"])
def test_every_template_string_is_in_the_catalogue(lang):
    assert template_strings() - msgids(lang) == set()


@pytest.mark.parametrize("lang, code", [("zh_Hans", "zh-hans"), ("ru", "ru")])
def test_compiled_catalogue_translates_every_string(lang, code):
    untranslated = []
    with translation.override(code):
        for mid in sorted(msgids(lang)):
            if "%(" in mid:
                continue
            if translation.gettext(mid) == mid:
                untranslated.append(mid)
    assert untranslated == []
