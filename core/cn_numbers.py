"""Whole numbers as a worker types them into the self-check: Arabic digits, or Chinese numerals
(五, 十二, 二十四, 两百, 一百零五, 一千五), and a count of months with its unit (3个月, 五个月,
十二月) or in years (一年 = 12, 两年半 = 30, 一年零三个月 = 15).

Only the self-check reads numbers this way: a roster cell holds what ROSTER.md fixes
(``core.normalize``), and this module is not used there. The Chinese characters below are the
input vocabulary, not messages.

Years are read only when they cannot be a calendar year: 1 to ``MOST_YEARS`` (a worker who came
in 2018 has worked at most 9 years by 2027), so "19年" (said for 2019) is not 228 months but not
a number of months at all, and the page's sentence asks for months.
"""
from __future__ import annotations

import re

ZEROS = {"零": 0, "〇": 0}
DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
TEN_THOUSAND = "万"
YEAR, HALF = "年", "半"
MONTH_UNITS = ("个月", "月")          # longest first
MOST_YEARS = 9
#: characters of a numeral read at all (一千二百三十四万五千六百七十八 has 15)
MOST_CHARS = 16


def whole_number(text: str) -> int | None:
    """``text`` (already without spaces) as a whole number ≥ 0, or None when it is not one."""
    if re.fullmatch(r"[0-9]{1,12}", text):
        return int(text)
    return _chinese(text)


def _section(text: str) -> int | None:
    """A numeral below 10,000 (no 万): 五, 十二, 二十四, 一百零五, 两千, colloquial 一百五 = 150."""
    value, digit, unit_before, zero = 0, None, None, False
    for ch in text:
        if ch in ZEROS:
            if digit is not None:          # 五零: digits side by side are not a numeral
                return None
            zero = True
        elif ch in DIGITS:
            if digit is not None:          # 一二
                return None
            digit = DIGITS[ch]
        elif ch in UNITS:
            unit = UNITS[ch]
            if unit_before is not None and unit >= unit_before:     # 十百, 百百
                return None
            if digit is None:
                if unit != 10:             # 百 alone
                    return None
                digit = 1                  # 十二 = 12, 一百十 = 110
            value += digit * unit
            digit, unit_before, zero = None, unit, False
        else:
            return None
    if digit is not None:
        # 一百五 = 150, 两千三 = 2300: a last digit right after 百 or 千 counts in the unit below
        value += digit * unit_before // 10 if unit_before and unit_before >= 100 and not zero else digit
    return value


def _chinese(text: str) -> int | None:
    if not text or len(text) > MOST_CHARS:
        return None
    if TEN_THOUSAND in text:
        high, _, low = text.partition(TEN_THOUSAND)
        above = _section(high) if high else None
        if not above or TEN_THOUSAND in low:
            return None
        if not low:
            return above * 10_000
        if len(low) == 1 and low in DIGITS:            # 一万五 = 15000
            return above * 10_000 + DIGITS[low] * 1000
        below = _section(low)
        return None if below is None else above * 10_000 + below
    if all(ch in ZEROS for ch in text):
        return 0
    return _section(text)


def _strip_unit(text: str) -> tuple[str, bool]:
    for unit in MONTH_UNITS:
        if text.endswith(unit) and len(text) > len(unit):
            return text[: -len(unit)], True
    return text, False


def month_count(text: str) -> int | None:
    """A count of months: 3, 三, 3个月, 十二月, 一年 (12), 半年 (6), 两年半 (30), 一年零三个月 (15);
    None when it is not one (also 19年, 两年多, 半个月)."""
    if YEAR not in text:
        number, _ = _strip_unit(text)
        return whole_number(number)
    head, _, rest = text.partition(YEAR)
    if head == HALF:
        months = 6
    else:
        years = whole_number(head)
        if years is None or not 1 <= years <= MOST_YEARS:
            return None
        months = 12 * years
        if rest.startswith(HALF):
            return months + 6 if rest == HALF else None
    if not rest:
        return months
    rest = rest.removeprefix(next(iter(ZEROS)))        # 一年零三个月
    number, had_unit = _strip_unit(rest)
    more = whole_number(number) if had_unit else None
    return None if more is None or more >= 12 else months + more
