"""Streamlit's own English words and their Chinese (pages/_chrome.py): every rule matches the
English it names, its Chinese quotes every group, and the rules reach the page as inert data
next to a script the app serves itself. The browser side: tests/e2e/test_chrome_e2e.py."""
from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.i18n import t  # noqa: E402
from pages import _chrome  # noqa: E402

# what Streamlit writes where a rule has groups or several spellings (seen in Chromium)
EXAMPLES = {
    "help_for": "Help for 您家是建档立卡贫困户吗？", "view_more": "View 3 more", "nav_more": "5 more",
    "number_range": "Error: Number is outside the allowed range. Please enter a value between 0 and 600.",
    "number_min": "Number is outside the allowed range. Please enter a value greater than or equal to 0.",
    "number_max": "Number is outside the allowed range. Please enter a value less than or equal to 600.",
    "choose_date_month": "Choose date, 2020年12月", "date_year": "year, 您第一次来绍兴工作是哪一天？",
    "date_month": "month, 您第一次来绍兴工作是哪一天？", "date_day": "day, 您第一次来绍兴工作是哪一天？",
    "limit": "Limit 50MB per file • CSV, XLSX, XLS", "per_file": "50MB per file", "types": "• CSV, XLSX, XLS",
    "cancel_upload": "Cancel upload of a.csv", "upload_busy": "AxiosError: Request failed with status code 503",
    "upload_refused": "AxiosError: Request failed with status code 403", "upload_network": "AxiosError: Network Error", "remove_named": "Remove a.csv", "icon": "add icon",
    "options_available": "34 options available.", "option_focused": "option 四川省 focused, 1 of 34.",
    "option_selected": "option 四川省, selected.", "month_value": "12 – December",
    "select_guide": "Use Up and Down to choose options, press Enter to select the currently focused option, "
                    "press Escape to exit the menu, press Tab to select the option and exit the menu.",
    "chart_title": "Title text '2025年目标完成情况'", "chart_subtitle": "Subtitle text '示例数据'",
    "fullscreen_of": "Fullscreen: 扫码打开政策自测", "close_fullscreen_of": "Close fullscreen: 扫码打开政策自测",
    "press_ctrl_enter": "Press ⌘+Enter to apply", "remove_file": "Delete",
    "date_after_max": ": Date set outside allowed range. Please select a date on or before 2020-12-31.",
    "date_before_min": ": Date set outside allowed range. Please select a date on or after 1980-01-01.",
    "date_between": ": Date set outside allowed range. Please select a date between 1980-01-01 and 2020-12-31.",
}


@pytest.mark.parametrize("key, pattern, scope", _chrome.RULES, ids=[k for k, _, _ in _chrome.RULES])
def test_each_rule_matches_streamlits_words_and_quotes_every_group(key, pattern, scope):
    groups = re.compile(pattern).groups
    chinese = t(f"chrome.{key}")
    assert re.search(r"[\u4e00-\u9fff]", chinese), key
    assert set(re.findall(r"\{(\d)\}", chinese)) == {str(i) for i in range(groups)}, key
    english = EXAMPLES.get(key, t(f"chrome.{key}", "en"))     # the English catalog keeps Streamlit's words
    assert re.fullmatch(f"(?:{pattern})", english), (key, english)


def test_a_translation_keeps_what_the_english_quoted():
    rules = {pattern: out for pattern, out, _ in _chrome.rules("zh")}
    help_for = next(p for k, p, _ in _chrome.RULES if k == "help_for")
    m = re.fullmatch(help_for, "Help for 您家是建档立卡贫困户吗？")
    assert rules[help_for].replace("{0}", m[1]) == "“您家是建档立卡贫困户吗？”的说明"


def test_an_upload_the_server_refused_is_said_in_words():
    """The first rule that matches wins (static/chrome.js): 503, the server's uploads at their
    limit (pages/_upload_cap.py), has its own sentence; another status is quoted."""
    def shown(text: str) -> str:
        for pattern, out, _ in _chrome.rules("zh"):
            m = re.fullmatch(f"(?:{pattern})", text)
            if m:
                return re.sub(r"\{(\d)\}", lambda g: m[int(g[1]) + 1], out)
        return text

    assert shown("AxiosError: Request failed with status code 503") == t("chrome.upload_busy")
    assert shown("Request failed with status code 503") == t("chrome.upload_busy")
    assert shown("AxiosError: Request failed with status code 413") == t("chrome.upload_refused").format("413")
    assert "413" in t("chrome.upload_refused").format("413")


def test_the_rules_are_data_beside_a_script_the_app_serves():
    html = _chrome.html("zh")
    data = re.fullmatch(r'<script type="application/json" id="sx-chrome-rules">(.*)</script>'
                        r'<script src="app/static/chrome\.js\?v=\d+"></script>', html, re.S)
    assert data, html[:200]
    assert "</" not in data[1]                      # no text can close the element early
    assert len(json.loads(data[1])) == len(_chrome.RULES)
    assert _chrome.SCRIPT.is_file() and _chrome.SCRIPT.parent.name == "static"
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableStaticServing"] is True
    assert config["client"]["toolbarMode"] == "minimal"       # no ⋮ menu with English items


def test_the_favicon_is_a_file_of_the_app():
    src = (ROOT / "streamlit_app.py").read_text(encoding="utf-8")
    assert "page_icon=str(FAVICON)" in src and ":material/" not in src.split("set_page_config")[1].split(")")[0]
    assert (ROOT / "assets" / "favicon.png").read_bytes().startswith(b"\x89PNG")
