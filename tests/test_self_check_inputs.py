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


@pytest.mark.parametrize("typed, expected", [
    ("五", 5), ("五个月", 5), ("十二", 12), ("十二个月", 12), ("二十四", 24), ("3个月", 3), ("三月", 3),
    ("两个月", 2), ("零", 0), ("一百零五", 105), ("六百", 600), ("十", 10), ("三十六个月", 36),
    ("一年", 12), ("1年", 12), ("两年", 24), ("半年", 6), ("一年半", 18), ("一年零三个月", 15), ("2年3个月", 27),
    ("１２个月", 12), ("二 十 四", 24),
])
def test_months_in_chinese_numerals_and_years_are_read(typed, expected):
    """A labourer may type 五个月 or 一年: whole numbers in Chinese numerals, 个月 / 月 after them,
    and years of 12 months (1 to 9 years: "19年" is said for 2019, not 228 months)."""
    assert form.parse_months(typed) == (expected, None)


@pytest.mark.parametrize("typed", [
    "700", "-3", "12.5", "12a", "1e3", "六百零一", "七百", "十二点五", "一二", "百", "十百", "五零", "好几个月",
    "两年多", "半个月", "19年", "二〇一九年", "十年", "一年十二个月", "一年三", "不清楚", "个月", "年",
])
def test_months_that_cannot_be_right_get_a_message_not_a_silent_blank(typed):
    assert form.parse_months(typed) == (None, "self_check.bad_months")


@pytest.mark.parametrize("typed, expected", [
    ("1200", 1200.0), ("1,200", 1200.0), ("1200元", 1200.0), ("１２００．５", 1200.5), ("0", 0.0), ("", None),
    ("八百", 800.0), ("一千五百元", 1500.0), ("一千五", 1500.0), ("两千块", 2000.0), ("一千零五十", 1050.0),
    ("一万二千", 12000.0), ("一万五", 15000.0), ("一百万", 1_000_000.0),
])
def test_amounts_typed_in_the_ways_people_write_them(typed, expected):
    assert form.parse_amount(typed) == (expected, None)


@pytest.mark.parametrize("typed", ["-5", "12.345", "abc", "2000000", "两百万", "一千二点五", "一二三", "几百"])
def test_amounts_that_cannot_be_right(typed):
    assert form.parse_amount(typed) == (None, "self_check.bad_amount")


def test_clauses_as_the_notice_numbers_them():
    assert form.clause_words("三(一)") == "三（一）"
    assert form.clause_words("三") == "三"


def test_clauses_in_english_in_digits(monkeypatch):
    monkeypatch.setattr(form, "lang", lambda: "en")
    assert form.clause_words("三(一)") == "3 (1)"
    assert form.clause_words("三(四)") == "3 (4)"
    assert form.clause_words("二") == "2"
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


def test_months_in_chinese_reach_the_result_without_a_message():
    from tests.test_app_pages import FULL, fill
    at = fill(_page(), **{**FULL, "sc_si": "十二个月", "sc_continuous": "一年"})
    assert not at.error
    at.button(key="sc_submit").click().run()
    shown = "\n".join(str(m.value) for m in at.markdown)
    assert t("rules.cond.si_months_enough.pass", months=12, min=3) in shown
    assert t("rules.cond.continuous_months_enough.pass", months=12, min=12) in shown


def test_not_renting_is_an_answer_of_its_own_and_an_empty_field_is_not_sure():
    """A blank month field is 不清楚 (rent pending, and the result says what to answer); the box
    "没有自己租房" says 0 months: it empties and locks the field, and rent is settled as not due."""
    from tests.test_app_pages import FULL, cards, fill
    at = fill(_page(), **FULL, sc_cert_date=(2018, 6, 1))
    at.button(key="sc_submit").click().run()
    rent = cards(at)["rent"]
    assert t("ui.self_check.badge.unknown") in rent
    assert t("rules.worker.cond.self_rented.unknown") in rent and t("ui.self_check.no_rent") in rent
    at.text_input(key="sc_rent").set_value("8").run()
    assert t("rules.worker.cond.self_rented.pass", reported=8) in cards(at)["rent"]
    at.checkbox(key="sc_no_rent").check().run()
    field = at.text_input(key="sc_rent")
    assert field.value == "" and field.disabled and field.placeholder == t("ui.self_check.no_rent_months")
    rent = cards(at)["rent"]
    assert t("rules.worker.cond.self_rented.fail") in rent and t("ui.self_check.badge.unknown") not in rent
    assert t("rules.worker.cond.self_rented.unknown") not in rent
    at.checkbox(key="sc_no_rent").uncheck().run()
    assert not at.text_input(key="sc_rent").disabled
    assert at.text_input(key="sc_rent").placeholder == t("ui.self_check.placeholder_unknown")
    assert t("rules.worker.cond.self_rented.unknown") in cards(at)["rent"]


def test_not_renting_survives_a_language_switch():
    at = _page()
    at.checkbox(key="sc_no_rent").check().run()
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert at.checkbox(key="sc_no_rent").value and at.text_input(key="sc_rent").disabled
    assert at.checkbox(key="sc_no_rent").label == t("ui.self_check.no_rent", "en")
