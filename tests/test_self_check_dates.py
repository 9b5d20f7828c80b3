"""The self-check's dates as 年 / 月 / 日 choices (pages/_date_choice.py): the years begin with the
policy's first year (Streamlit's calendar opened on 2020-12 or later, and a worker on a phone paged
back to 2018); a full answer is that day, to the day; a date chosen in part is "not sure", said
under the field; days that do not exist cannot be chosen; the answer survives a language switch."""
from __future__ import annotations

import datetime as dt

import pytest

from core import reference
from core.paths import DATA
from core.i18n import t
from pages import _date_choice as dc
from tests.test_app_pages import FULL, ROOT, cards, fill, open_page, texts, ui  # the self-check's AppTest helpers

POLICY_START, POLICY_END = reference.policies()[0].start, reference.policies()[-1].end
LATE = dt.date(2026, 11, 30)        # a day of the check long after the policy


def years(at, name: str) -> list:
    return [o for o in at.selectbox(key=f"{name}.year").options]


def test_the_years_begin_with_the_policy_first_year_read_from_the_policy_data():
    span = list(range(POLICY_START.year, POLICY_END.year + 1))
    assert span[0] == 2018 and span[-1] == 2020          # 绍市人社发〔2018〕160号: 2018-01-01 to 2020-12-31
    assert dc.year_options(LATE) == [*span, dc.EARLIER, dc.LATER]
    # never after the day of the check; "after" only once the year after the policy has begun
    assert dc.year_options(dt.date(2019, 6, 1)) == [2018, 2019, dc.EARLIER]
    assert dc.month_options(2019, dt.date(2019, 6, 1)) == [1, 2, 3, 4, 5, 6]
    assert dc.day_options(2019, 6, dt.date(2019, 6, 1)) == [1]
    assert dc.month_options(2018, dt.date(2019, 6, 1)) == list(range(1, 13))
    at = open_page()
    assert not at.date_input                             # no calendar left on the page
    for name in ("sc_first_date",):
        shown = years(at, name)
        assert shown[0] == f"{POLICY_START.year}年" and shown[:3] == ["2018年", "2019年", "2020年"]
        assert shown[3:] == ["2018年前", "2020年后"]
        assert at.selectbox(key=f"{name}.year").value is None      # nothing chosen until the worker does
        assert at.selectbox(key=f"{name}.month").options == [f"{m}月" for m in range(1, 13)]
        # each box is read out with its question (the label is hidden, the question is above the row)
        assert at.selectbox(key=f"{name}.day").label == ui("self_check.q_first_date") + "：日"


def test_the_policy_years_follow_the_policy_data():
    """A successor policy in the data (tests/policies/test-successor.yaml, 2021-2023) moves the years
    offered and what "after" stands for, without a code change."""
    reference.use_policy_dirs([DATA / "policy", ROOT / "tests" / "policies"])
    try:
        assert dc.year_options(LATE) == [2018, 2019, 2020, 2021, 2022, 2023, dc.EARLIER, dc.LATER]
        assert dc.stands_for(dc.LATER) == dt.date(2024, 1, 1)
        assert dc.label("year", dc.LATER, "zh") == "2023年后"
    finally:
        reference.use_policy_dirs([DATA / "policy"])
    assert dc.year_options(LATE)[-3:] == [2020, dc.EARLIER, dc.LATER]


def test_february_30_cannot_be_chosen_and_a_day_that_no_longer_fits_is_explained():
    assert dc.day_options(2019, 2, LATE) == list(range(1, 29))
    assert dc.day_options(2020, 2, LATE) == list(range(1, 30))        # a leap year
    assert dc.day_options(None, 2, LATE)[-1] == 29
    assert dc.day_options(2018, 4, LATE)[-1] == 30 and dc.day_options(2018, 12, LATE)[-1] == 31
    at = open_page()
    fill(at, sc_first_date=(2019, 2))
    assert at.selectbox(key="sc_first_date.day").options[-1] == "28日"   # no 29, 30, 31 to choose
    # 31 chosen first, then February: the 31st is taken out and the worker is told why
    fill(at, sc_first_date=(2019, 3, 31))
    fill(at, sc_first_date=(2019, 2))
    assert at.selectbox(key="sc_first_date.day").value is None
    said = t("date_choice.no_such_day", month="2019年2月", day=31)
    assert said in [e.value for e in at.error]
    assert at.session_state["sc_answers"]["sc_first_date.day"] is None


def test_a_full_answer_is_that_day_to_the_day():
    """The day matters: a certificate dated the day before the first employment is paid with a
    warning (RULES.md 三(二)); the same day is not. So the day the worker chose reaches the engine."""
    note = t("rules.note.skill_before_arrival")
    at = open_page()
    fill(at, **FULL)                                     # first employment 2018-03-01
    fill(at, sc_cert_date=dt.date(2018, 2, 28), sc_rent=10)
    at.button(key="sc_submit").click().run()
    card = cards(at)["skill_training"]
    assert note in card and ui("money", amount="1,500") in card
    fill(at, sc_cert_date=(2018, 3, 1))
    card = cards(at)["skill_training"]
    assert note not in card and ui("money", amount="1,500") in card
    assert not at.error
    assert ui("money", amount="3,000") in cards(at)["stabilization"]     # covered: came 2018-03-01


@pytest.mark.parametrize("choice, text", [
    (dc.EARLIER, "rules.worker.cond.came_from_window_start.fail"),
    (dc.LATER, "rules.worker.cond.came_by_window_end.fail"),
])
def test_before_or_after_the_policy_years_is_not_covered_without_a_month_or_day(choice, text):
    at = open_page()
    fill(at, sc_poor="yes", sc_province="四川省", sc_district="柯桥区", sc_first_date=(choice,))
    assert [s.key for s in at.selectbox if s.key.startswith("sc_first_date.")] == ["sc_first_date.year"]
    at.button(key="sc_submit").click().run()
    body = texts(at)
    assert t(text, start=t("rules.date", y=2018, m=1, d=1), end=t("rules.date", y=2020, m=12, d=31)) in body
    assert ui("self_check.covered.not_eligible") in body and not at.error


@pytest.mark.parametrize("chosen, missing", [((2018,), "月、日"), ((None, 3, 1), "年"), ((None, 3), "年、日")])
def test_a_date_chosen_in_part_is_not_sure_and_said_under_the_field(chosen, missing):
    at = open_page()
    fill(at, sc_poor="yes", sc_province="四川省", sc_district="柯桥区", sc_first_date=chosen)
    said = t("date_choice.partial", question=ui("self_check.q_first_date"), missing=missing)
    assert [e.value for e in at.error] == [said]                       # under the field, before the result
    at.button(key="sc_submit").click().run()
    assert [e.value for e in at.error] == [said, said]                 # and again with the result
    body = texts(at)
    assert t("rules.worker.cond.came_from_window_start.unknown") in body   # not answered, not another day
    assert ui("self_check.coverage_badge.unknown") in body
    # finished: the message goes, the day counts
    fill(at, sc_first_date=(2018, 3, 1))
    assert not at.error
    assert ui("self_check.coverage_badge.eligible") in texts(at)


def test_a_year_and_month_without_the_day_count_as_that_month():
    """A worker who remembers "2019年3月" is covered on that month (every window begins and ends
    with a month), with a line under the field saying the 1st is counted, not an error."""
    at = open_page()
    fill(at, sc_poor="yes", sc_province="四川省", sc_district="柯桥区", sc_first_date=(2019, 3), sc_si=2,
         sc_continuous=11, sc_rent=8)
    assert not at.error
    said = t("date_choice.month_only", month=t("rules.month", y=2019, m=3))
    assert said in [c.value for c in at.caption]
    at.button(key="sc_submit").click().run()
    assert not at.error
    assert ui("self_check.coverage_badge.eligible") in texts(at)
    assert ui("money", amount="4,000") in cards(at)["rent"]
    # the day chosen afterwards takes over, and the line goes
    fill(at, sc_first_date=(2019, 3, 20))
    assert said not in [c.value for c in at.caption]
    assert ui("self_check.coverage_badge.eligible") in texts(at)


def test_a_month_decides_alone_only_when_no_window_begins_or_ends_inside_it(monkeypatch):
    assert dc.month_decides(2018, 1) and dc.month_decides(2020, 12) and dc.month_decides(2021, 1)
    assert dc.compose(2019, 3, None) == (dt.date(2019, 3, 1), [])

    class Mid:        # a window beginning on the 15th: that month's day matters
        start, end = dt.date(2018, 1, 15), dt.date(2020, 12, 31)
    monkeypatch.setattr(dc, "policies", lambda: (Mid,))
    assert not dc.month_decides(2018, 1) and dc.month_decides(2018, 2)
    assert dc.compose(2018, 1, None) == (None, ["day"])


def test_the_date_survives_a_language_switch_and_back():
    at = open_page()
    fill(at, sc_first_date=(2019, 2, 28))
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert [at.selectbox(key=f"sc_first_date.{p}.en").value for p in dc.PARTS] == [2019, 2, 28]
    assert at.selectbox(key="sc_first_date.year.en").options[:3] == ["2018", "2019", "2020"]
    at.selectbox(key="sc_first_date.day.en").set_value(27)
    at.session_state["lang"] = "en"      # as the other widgets' test does: AppTest sends the menu's old value
    at.run()
    assert at.selectbox(key="sc_first_date.day.en").value == 27
    at.session_state["lang"] = "zh"
    at.run()
    assert [at.selectbox(key=f"sc_first_date.{p}").value for p in dc.PARTS] == [2019, 2, 27]
    assert not at.error


def test_a_choice_after_the_day_of_the_check_is_cleared_and_said():
    """Only through the day of the check moving back (an officer's as_of): a day chosen that now lies
    after it is taken out, with a sentence, never kept as a day in the future."""
    at = open_page()
    fill(at, sc_first_date=(2019, 8, 15))
    at.session_state["as_of"] = dt.date(2019, 6, 1)
    at.run()
    assert at.selectbox(key="sc_first_date.month").value is None
    assert t("date_choice.after_today", value="8月", today="2019年6月1日") in [e.value for e in at.error]
