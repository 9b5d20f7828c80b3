"""The app's message catalog (namespace ui): every key the pages use exists, English matches Chinese."""
from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from core import i18n

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "streamlit_app.py", ROOT / "core" / "charts.py"] + [
    ROOT / "pages" / name for name in ("_common.py", "self_check.py", "roster.py", "dashboard.py")]
LITERAL = re.compile(r"""ui_text\(\s*["']([a-z_.0-9]+)["']\s*[,)]""")


def ui_keys(lang: str) -> dict[str, str]:
    return {k: v for k, v in i18n.catalog(lang).items() if k.startswith("ui.")}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_literal_key_in_the_pages_exists():
    zh = ui_keys("zh")
    used = {m for path in SOURCES for m in LITERAL.findall(path.read_text(encoding="utf-8"))}
    assert used, "no ui_text(...) literal found: the pattern is wrong"
    missing = sorted(k for k in used if f"ui.{k}" not in zh)
    assert not missing


@pytest.mark.parametrize("lang", [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT_LANG])
def test_second_language_has_the_same_keys_and_placeholders(lang):
    zh, other = ui_keys("zh"), ui_keys(lang)
    assert set(zh) == set(other)
    for key, text in zh.items():
        assert fields(text) == fields(other[key]), key


def test_no_yaml_boolean_keys():
    """Unquoted yes/no keys turn into True/False in YAML; the catalog must keep them as words."""
    assert not any(k.endswith((".True", ".False")) for k in ui_keys("zh"))
