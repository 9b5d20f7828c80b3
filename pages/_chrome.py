"""Streamlit's own words in the language of the page.

Streamlit writes some texts of its own in English: aria labels ("Help for …", "Choose date"),
the uploader ("Drag and drop file here", "200MB per file", and an upload the server refused:
"AxiosError: Request failed with status code 503"), the number field's range error, the
table toolbar's tooltips, "Press Enter to apply". A Chinese user must see none of them.
Configuration removes what it can (``.streamlit/config.toml``: ``client.toolbarMode =
"minimal"`` hides the ⋮ menu); the rest is translated in the browser by a small script served
with the page (``static/chrome.js``, no request leaves the server): it watches the page and
replaces each text, tooltip and aria label that matches one of ``RULES`` by the catalog's text
(namespace ``chrome``). The script is a file the app serves itself (``static/chrome.js``,
``server.enableStaticServing``): the nginx Content-Security-Policy allows scripts from 'self'
only, not inline ones; the rules travel beside it as JSON, which is data, not a script. tests/e2e/test_chrome_e2e.py collects every page's visible text and
labels per role and fails on any English word left.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import streamlit as st

from core import i18n

SCRIPT = Path(__file__).resolve().parent.parent / "static" / "chrome.js"
SCRIPT_URL = "app/static/chrome.js"     # relative: also right under a base path behind a proxy
UPLOADER = '[data-testid="stFileUploader"]'
DATE = '[data-testid="stDateInput"], [data-baseweb="calendar"], [role="dialog"]'
# the widgets whose errors say "**Error**: …" (the message itself may sit in a tooltip)
WIDGETS = ('[data-testid="stDateInput"], [data-testid="stNumberInput"], [data-testid="stDateTimeInput"], '
           '[data-testid^="stTooltip"]')

# (catalog key chrome.<key>, Streamlit's English as a regular expression over the whole text,
#  CSS selector the text must be inside, or "" for anywhere). Groups become {0}, {1}… in the
# catalog's text. Streamlit 1.67's strings; an upgrade that changes one shows it in the e2e test.
RULES: tuple[tuple[str, str, str], ...] = (
    ("skip_to_main", r"Skip to main content", ""),
    ("press_enter", r"Press Enter to apply", ""),
    ("press_enter_form", r"Press Enter to submit form", ""),
    ("press_ctrl_enter", r"Press (?:⌘|Ctrl)\+Enter to (?:apply|submit form)", ""),
    ("help_for", r"Help for (.+)", ""),
    ("help", r"Help", ""),
    ("link_heading", r"Link to heading", ""),
    ("collapse_sidebar", r"Collapse sidebar", ""),
    ("expand_sidebar", r"Expand sidebar", ""),
    ("sidebar", r"Sidebar", ""),
    ("app_pages", r"App pages", ""),
    ("main_menu", r"Main menu", ""),
    ("view_more", r"View (\d+) more", ""),
    ("view_less", r"View less", ""),
    ("nav_more", r"(\d+) more", ""),
    ("choose_option", r"Choose an option", ""),
    ("choose_options", r"Choose options", ""),
    ("no_results", r"No results", ""),
    ("open", r"Open", ""),
    ("close", r"Close", ""),
    ("clear_value", r"Clear value", ""),
    ("clear_all", r"Clear all", ""),
    ("increment", r"Increment", ""),
    ("decrement", r"Decrement", ""),
    ("number_range", r"(?:Error: )?Number is outside the allowed range\. "
                     r"Please enter a value between (\S+) and (\S+)\.", ""),
    ("number_min", r"(?:Error: )?Number is outside the allowed range\. "
                   r"Please enter a value (?:greater than or equal to|of at least) (\S+)\.", ""),
    ("number_max", r"(?:Error: )?Number is outside the allowed range\. "
                   r"Please enter a value (?:less than or equal to|of at most) (\S+)\.", ""),
    ("error_word", r"Error:?", WIDGETS),
    ("date_after_max", r"(?:Error)?:? ?Date set outside allowed range\. Please select a date on or before (\S+)\.", ""),
    ("date_before_min", r"(?:Error)?:? ?Date set outside allowed range\. Please select a date on or after (\S+)\.", ""),
    ("date_between", r"(?:Error)?:? ?Date set outside allowed range\. Please select a date between (\S+) and (\S+)\.", ""),
    ("clear_date", r"Clear dates?", ""),
    ("choose_date", r"Choose date", ""),
    ("choose_date_month", r"Choose date, (.+)", ""),
    ("date_keys", r"Use arrow keys to navigate dates\. Enter to select\. Escape to close\.", ""),
    ("previous_month", r"Previous month", ""),
    ("next_month", r"Next month", ""),
    ("date_year", r"year, (.+)", DATE),
    ("date_month", r"month, (.+)", DATE),
    ("date_day", r"day, (.+)", DATE),
    ("date_yyyy", r"yyyy", DATE),
    ("date_mm", r"mm", DATE),
    ("date_dd", r"dd", DATE),
    ("date_empty", r"Empty", DATE),
    ("drag_drop_file", r"Drag and drop file here", UPLOADER),
    ("drag_drop_files", r"Drag and drop files here", UPLOADER),
    ("limit", r"Limit (\S+) per file(?: • (.+))?", UPLOADER),
    ("per_file", r"(\S+) per file", UPLOADER),
    ("types", r"• (.+)", UPLOADER),
    ("browse", r"Browse files", UPLOADER),
    ("upload", r"Upload", UPLOADER),
    ("remove_file", r"Remove file|Delete", UPLOADER),
    ("file_upload", r"file upload", UPLOADER),
    ("add_files", r"Add files", UPLOADER),
    ("cancel_upload", r"Cancel upload of (.+)", ""),
    # an upload the server refused (the uploader quotes the HTTP client's error, under the file and
    # in its tooltip): 503 when all sessions' uploads are at their limit (pages/_upload_cap.py)
    ("upload_busy", r"(?:AxiosError: )?Request failed with status code 503", ""),
    ("upload_refused", r"(?:AxiosError: )?Request failed with status code (\d+)", ""),
    ("upload_network", r"(?:AxiosError: )?Network Error", ""),
    ("remove_named", r"Remove (.+)", ""),
    ("show_password", r"Show password", ""),
    ("hide_password", r"Hide password", ""),
    ("icon", r"[a-z_]+ icon", ""),
    ("loading", r"Loading", ""),
    ("search", r"Search", ""),
    ("download_csv", r"Download as CSV", ""),
    ("fullscreen", r"Fullscreen", ""),
    ("fullscreen_of", r"Fullscreen: (.+)", ""),
    ("close_fullscreen", r"Close fullscreen|Exit fullscreen", ""),
    ("close_fullscreen_of", r"(?:Close|Exit) fullscreen: (.+)", ""),
    ("show_hide_columns", r"Show/hide columns", ""),
    ("show_data", r"Show data", ""),
    ("sort_ascending", r"Sort ascending", ""),
    ("sort_descending", r"Sort descending", ""),
    ("copy", r"Copy to clipboard", ""),
    ("copied", r"Copied!", ""),
    ("download_png", r"Download as PNG", ""),
    ("copy_spec", r"Copy Vega-Lite spec", ""),
    ("chart", r"Vega visualization", ""),
    ("chart_title", r"Title text '(.+)'", ""),
    ("chart_subtitle", r"Subtitle text '(.+)'", ""),
    ("dismiss", r"Dismiss", ""),
    ("options_available", r"(\d+) (?:options?|results?) available(?: for search term .+)?\.?", ""),
    ("option_focused", r"(?:option|value) (.+?) focused, (\d+) of (\d+)\.", ""),
    ("option_selected", r"option (.+?), selected\.", ""),
    ("select_guide", r"Use Up and Down to choose options.*", ""),
    ("month_value", r"(\d+) – [A-Z][a-z]+", DATE),
    ("running", r"Running\.\.\.", ""),
    ("stop", r"Stop", ""),
    ("connecting", r"Connecting", ""),
    ("please_wait", r"Please wait\.\.\.", ""),
)


@lru_cache(maxsize=8)
def rules(lang: str) -> tuple[tuple[str, str, str], ...]:
    """The rules with the catalog's text of ``lang``: (pattern, replacement, scope)."""
    return tuple((pattern, i18n.t(f"chrome.{key}", lang), scope) for key, pattern, scope in RULES)


@lru_cache(maxsize=8)
def html(lang: str) -> str:
    """The rules of ``lang`` as JSON (``</`` escaped, so no text can end the element) and the
    script that applies them."""
    data = json.dumps(rules(lang), ensure_ascii=False).replace("</", "<\\/")
    version = int(SCRIPT.stat().st_mtime)       # a changed script is fetched again, not cached
    return (f'<script type="application/json" id="sx-chrome-rules">{data}</script>'
            f'<script src="{SCRIPT_URL}?v={version}"></script>')


def install(lang: str) -> None:
    """The translating script with the rules of ``lang`` in an invisible container of this run
    (st.html puts it in the page itself, not in a frame)."""
    st.html("<style>.st-key-sx_chrome{display:none}</style>")
    with st.container(key="sx_chrome"):
        st.html(html(lang), unsafe_allow_javascript=True)
