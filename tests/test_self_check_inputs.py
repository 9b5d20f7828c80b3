"""The self-check's own reading of typed numbers (Streamlit's number field spoke English and
dropped a value outside its range without a word), the clause as the notice numbers it, and the
closed claims said first."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core import reference  # noqa: E402
from core.i18n import t  # noqa: E402
from pages import _self_check_form as form  # noqa: E402

APP = str(ROOT / "streamlit_app.py")


@pytest.mark.parametrize("typed, expected", [
    ("12", 12), (" 12 ", 12), ("１２", 12), ("12个月", 12), ("12 月", 12), ("0", 0), ("600", 600), ("", None), (None, None),
])
def test_months_typed_in_the_ways_people_write_them(typed, expected):
    assert form.parse_months(typed) == (expected, None)


@pytest.mark.parametrize("typed", ["700", "-3", "12.5", "十二", "12a", "1e3"])
def test_months_that_cannot_be_right_get_a_message_not_a_silent_blank(typed):
    assert form.parse_months(typed) == (None, "self_check.bad_months")


@pytest.mark.parametrize("typed, expected", [
    ("1200", 1200.0), ("1,200", 1200.0), ("1200元", 1200.0), ("１２００．５", 1200.5), ("0", 0.0), ("", None),
])
def test_amounts_typed_in_the_ways_people_write_them(typed, expected):
    assert form.parse_amount(typed) == (expected, None)


@pytest.mark.parametrize("typed", ["-5", "12.345", "abc", "2000000"])
def test_amounts_that_cannot_be_right(typed):
    assert form.parse_amount(typed) == (None, "self_check.bad_amount")


def test_clauses_as_the_notice_numbers_them():
    assert form.clause_words("三(一)") == "三（一）"
    assert form.clause_words("三") == "三"
    for path in (ROOT / "data" / "messages" / "zh").glob("*.yaml"):     # no "第三(一)条" anywhere
        text = path.read_text(encoding="utf-8")
        assert "第{clause}条" not in text and "条款第" not in text, path.name


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    return at


def test_700_months_is_said_under_the_field_and_with_the_result_not_dropped():
    at = _page()
    at.text_input(key="sc_si").set_value("700").run()
    label = t("ui.self_check.q_si_months")
    message = t("ui.self_check.bad_months", label=label, value="700", most=form.MOST_MONTHS)
    assert [e.value for e in at.error] == [message]
    at.button(key="sc_submit").click().run()
    assert [e.value for e in at.error].count(message) == 2         # under the field, and with the result
    at.text_input(key="sc_si").set_value("36").run()
    assert message not in [e.value for e in at.error]


def test_the_closed_claims_are_the_first_thing_said():
    at = _page()
    deadline = form.format_day(reference.policies()[-1]["claim_deadline"])
    def leaves(node):
        children = getattr(node, "children", None)
        if not children:
            yield node
        for child in (children or {}).values():
            yield from leaves(child)

    shown = [el for el in leaves(at.main) if type(el).__name__ in ("Title", "Warning", "Markdown")]
    kinds = [(type(el).__name__, str(el.value)) for el in shown[:3]]
    assert kinds[0] == ("Title", t("ui.self_check.title"))
    assert kinds[1] == ("Warning", t("ui.self_check.closed_before", date=deadline))
    assert kinds[2][1] == t("ui.self_check.intro")
