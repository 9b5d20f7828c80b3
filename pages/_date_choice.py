"""A day asked as three choices side by side, 年 / 月 / 日 (the self-check's dates).

Streamlit's calendar has no "open on" setting: an empty date field opens on the month of its
latest allowed day, and a worker on a phone paged back month by month to 2018. Here the year's
list begins with the policy's first year and ends with the last (read from ``data/policy/``),
followed by "before the first year" and, once the policy is over, "after the last year"; the
months are 1-12 and the days only those of the month chosen, none after today.

The day is kept, not only the month: a certificate dated before the first employment date is
paid with a warning (RULES.md, 三(二)), which the same month cannot tell.

"Before" and "after" stand for any day outside the years offered: the engine receives the last
day of the year before the first offered, or the first day of the year after the last. Every day
outside the policy's window gives the same result (not covered; certificate not in the window),
and no text quotes the day given. A year and month without the day (a worker remembers "2019年3月")
count as the month's first day, said under the field: every policy's window begins on a month's
first day and ends on its last, so the month alone decides coverage and the months counted (only
the note on a certificate dated before the first employment compares days). A date answered
otherwise in part (a year without its month …) is not an answer: it counts as "not sure", and a
sentence under the field says so.
"""
from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache

import streamlit as st

from core import i18n
from core.reference import on_policies_changed, policies

EARLIER, LATER = "earlier", "later"
PARTS = ("year", "month", "day")
# pixels: the three fit side by side on a 390 px phone ("2018年前", "12月", "31日" shown whole,
# with the clear and open buttons); Streamlit's own basis (128 px each) wraps the day onto a
# second line there
WIDTHS = {"year": 130, "month": 104, "day": 104}


def _text(key: str, lang: str, **fmt) -> str:
    return i18n.t(f"date_choice.{key}", lang, **fmt)


def year_options(today: date) -> list:
    """The policies' years, first year first, none after today; then EARLIER (before the first
    year) and, when the year after the last has begun, LATER."""
    start, end = policies()[0].start, policies()[-1].end
    out: list = list(range(start.year, min(today, end).year + 1))
    out.append(EARLIER)
    if today >= date(end.year + 1, 1, 1):
        out.append(LATER)
    return out


def month_options(year, today: date) -> list[int]:
    """1-12; in today's year, up to today's month."""
    last = today.month if year == today.year else 12
    return list(range(1, last + 1))


def day_options(year, month, today: date) -> list[int]:
    """The days of the month chosen (29 for February when the year is not chosen yet), up to today."""
    if not isinstance(month, int):
        return list(range(1, 32))
    if isinstance(year, int):
        last = calendar.monthrange(year, month)[1]
        if (year, month) == (today.year, today.month):
            last = today.day
    else:
        last = calendar.monthrange(2000, month)[1]      # a leap year: February's 29th stays possible
    return list(range(1, last + 1))


def stands_for(year) -> date:
    """The day EARLIER or LATER gives the engine (any day outside the offered years reads the same)."""
    if year == EARLIER:
        return date(policies()[0].start.year - 1, 12, 31)
    return date(policies()[-1].end.year + 1, 1, 1)


def month_decides(year: int, month: int) -> bool:
    """No policy's window begins or ends inside this month: any day of it gives the same result."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    edges = [d for p in policies() for d in (p.start, p.end + timedelta(days=1))]
    return not any(first < edge <= last for edge in edges)


def compose(year, month, day) -> tuple[date | None, list[str]]:
    """(the day chosen, []) for a full answer, EARLIER or LATER, or a year and month that decide
    alone (the month's first day); (None, []) when nothing is chosen; (None, the parts not
    chosen) for a date answered in part."""
    if year in (EARLIER, LATER):
        return stands_for(year), []
    given = dict(zip(PARTS, (year, month, day)))
    missing = [part for part, value in given.items() if value is None]
    if len(missing) == len(PARTS):
        return None, []
    if missing == ["day"] and month_decides(year, month):
        return date(year, month, 1), []
    if missing:
        return None, missing
    return date(year, month, day), []


@lru_cache(maxsize=1024)      # asked for every option of three widgets on every run
def label(part: str, value, lang: str) -> str:
    """A choice as shown: 2018年, 3月, 1日; 2018年前, 2020年后."""
    if value == EARLIER:
        return _text("earlier", lang, year=policies()[0].start.year)
    if value == LATER:
        return _text("later", lang, year=policies()[-1].end.year)
    return _text(f"{part}_value", lang, value=value)


on_policies_changed(label.cache_clear)     # "2018年前" names the first policy's first year


def date_question(name: str, question: str, help: str, today: date, lang: str,
                  carried: Callable[[str], str], answered: Callable[[str, object], object]
                  ) -> tuple[date | None, str | None]:
    """The question ``name`` as three choices in a row (widget keys ``<name>.year`` … through the
    page's ``carried``/``answered``, so the answer survives a language switch): (the day or None,
    the sentence said under the field when the answer is partial or a choice no longer fits)."""
    chosen: dict[str, object] = {}
    dropped: str | None = None
    with st.container(key=f"{name}_box"):
        st.markdown(f":small[{question}]", help=help)
        with st.container(horizontal=True, gap="xsmall", key=f"{name}_row"):
            for part in PARTS:
                if part != "year" and chosen["year"] in (EARLIER, LATER):
                    break                   # outside the years offered: no month or day to ask
                if part == "year":
                    options = year_options(today)
                elif part == "month":
                    options = month_options(chosen["year"], today)
                else:
                    options = day_options(chosen["year"], chosen["month"], today)
                key = carried(f"{name}.{part}")
                held = st.session_state.get(key)
                if held is not None and held not in options:     # 2月30日, or a day after today
                    dropped = dropped or _dropped(part, held, chosen, today, lang)
                    st.session_state[key] = None
                # the label is hidden (the question is above the row) but read out: question and part
                value = st.selectbox(_text("part_label", lang, question=question, part=_text(part, lang)),
                                     options, index=None, key=key,
                                     format_func=lambda v, p=part: label(p, v, lang),
                                     placeholder=_text(part, lang), label_visibility="collapsed",
                                     width=WIDTHS[part])
                chosen[part] = answered(f"{name}.{part}", value)
        day, missing = compose(chosen["year"], chosen.get("month"), chosen.get("day"))
        problem = dropped
        if problem is None and missing:
            words = i18n.join_enum([_text(part, lang) for part in missing], lang)
            problem = _text("partial", lang, question=question, missing=words)
        if problem:
            st.error(problem, icon=":material/error:")
        elif day is not None and chosen.get("day") is None and isinstance(chosen["year"], int):
            st.caption(_text("month_only", lang, month=i18n.t("rules.month", lang, y=day.year, m=day.month)))
    return day, problem


def _dropped(part: str, held, chosen: dict, today: date, lang: str) -> str:
    if part == "day" and isinstance(chosen.get("month"), int) and held <= 31:
        if not (isinstance(chosen.get("year"), int)
                and (chosen["year"], chosen["month"]) == (today.year, today.month)):
            year, month = chosen.get("year"), chosen["month"]
            when = (i18n.t("rules.month", lang, y=year, m=month) if isinstance(year, int)
                    else _text("month_of", lang, value=month))
            return _text("no_such_day", lang, month=when, day=held)
    return _text("after_today", lang, value=label(part, held, lang),
                 today=i18n.t("rules.date", lang, y=today.year, m=today.month, d=today.day))
