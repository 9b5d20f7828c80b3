"""Date cells of a roster read as days (``parse_date``), and which numbers are Excel date serials
(``plausible_serial``, also read by ``core.reader_workbook``). Built on ``core.parse_base``; the
other parsers are in ``core.normalize``, which offers these names too.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import numpy as np
import pandas as pd

from core.parse_base import _BLANK, _INVALID, _OK, Parsed, _by_unique, _is_missing, _masks, clean_scalar

_DATE_SEP = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:[\sT]+\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")   # an .xlsx date cell read as its serial number
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_MIN_YEAR, _MAX_YEAR = 1700, 2200   # inside what datetime64[ns] can hold
# A number is read as an Excel date serial only from 1950-01-01 (serial 18264) to ten years after
# today: outside that it is a number someone typed (2018, 3), not a date.
SERIAL_MIN = 18264
SERIAL_DAYS_AHEAD = 3653


def serial_max() -> int:
    """The last serial read as a date: ten years after today."""
    return (dt.date.today() - _EXCEL_EPOCH).days + SERIAL_DAYS_AHEAD


def plausible_serial(value: float) -> bool:
    """``value`` (a number in a date column, or the digits typed there) is an Excel date serial."""
    return math.isfinite(value) and SERIAL_MIN <= value < serial_max() + 1


def _date_from_text(text: str) -> np.datetime64 | None:
    m = _DATE_SEP.match(text) or _DATE_COMPACT.match(text)
    if m:
        year, month, day = (int(g) for g in m.groups())
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            return None
        try:
            return np.datetime64(dt.date(year, month, day), "D")
        except ValueError:
            return None
    m = _EXCEL_SERIAL.match(text)
    if m and plausible_serial(int(m.group(1))):
        return np.datetime64(_EXCEL_EPOCH + dt.timedelta(days=int(m.group(1))), "D")
    return None


def _date_value(raw: Any) -> tuple[int, Any]:
    if _is_missing(raw):
        return _BLANK, None
    if isinstance(raw, (dt.date, np.datetime64)):   # a real date cell (datetime and Timestamp too)
        day = pd.Timestamp(raw)
        if pd.isna(day):
            return _BLANK, None
        if day.tzinfo is not None:
            day = day.tz_localize(None)
        return _OK, np.datetime64(day.normalize().date(), "D")
    text = clean_scalar(raw)
    if text is None:
        return _BLANK, None
    value = _date_from_text(text)
    return (_INVALID, None) if value is None else (_OK, value)


_date_value.memo_key = _date_value   # remembered across batches while remember_parsed is on


def parse_date(s: pd.Series) -> Parsed:
    """Dates: 2018-03-01, 2018/3/1, 2018.3.1, 2018年3月1日, 20180301, "2018-03-01 00:00:00", date
    cells, and 5-digit Excel serial numbers in the plausible range (``plausible_serial``); a real
    calendar date. Values are datetime64[ns]."""
    codes, status, values = _by_unique(s, _date_value)
    # one day per unique (NaT where blank or unreadable), then NaT for code -1; taken by row
    days_u = np.array([v if v is not None else np.datetime64("NaT") for v in values] + [np.datetime64("NaT")], dtype="datetime64[D]")
    out = days_u.astype("datetime64[ns]")[codes]
    invalid, blank = _masks(status)
    return Parsed(pd.Series(out, index=s.index, copy=False), invalid, blank)
