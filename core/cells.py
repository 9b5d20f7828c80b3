"""Spreadsheet cells that cannot run: formula injection (CSV injection) neutralised as OWASP says.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and WPS as a formula (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``, ``@SUM(...)``).
Every CSV and workbook the project writes passes its text through ``safe_text`` / ``neutralise``:
such a cell gets a leading single quote, which the spreadsheet shows as text. Numbers stay
numbers: only text cells are touched, and a text that is just a number (``-5``, ``+86``, ``-0.5``)
is left as it is (it can only ever be a number). Workbooks are also written with XlsxWriter's
``strings_to_formulas`` off (``WORKBOOK_OPTIONS``), so no text becomes a formula.

Long numbers kept as text in CSV (``keep_digits``): a CSV has no cell types, so Excel, WPS and
LibreOffice read a text of digits as a number: an 18-digit ID number becomes 5.13226E+17 with
its last three digits lost, a leading 0 is dropped. A CSV cell made only of digits, 12 or more
of them or starting with 0, is written with a trailing tab: the spreadsheet then reads it as
text and shows every digit (checked with LibreOffice, tests/test_office_csv.py). A *trailing*
tab cannot start a formula (only the first character can); readers that trim whitespace, this
project's own reader included, get the digits back as they were. Workbooks have cell types and
are written without it.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: characters that make a spreadsheet read a cell as a formula
LIVE = ("=", "+", "-", "@", "\t", "\r")
_LIVE_START = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$"
_PLAIN_NUMBER_RE = re.compile(_PLAIN_NUMBER)
_LIVE_BYTES = np.frombuffer("".join(LIVE).encode("ascii"), dtype=np.uint8)

#: what ``keep_digits`` adds after such a cell
TEXT_MARK = "\t"

#: XlsxWriter options of every workbook the project writes: text is text
WORKBOOK_OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}


def is_live(text: str) -> bool:
    """Whether a spreadsheet would read this text as a formula (and it is not a plain number)."""
    return bool(text) and text[0] in LIVE and not _PLAIN_NUMBER_RE.match(text)


def safe_text(value):
    """A text cell as it may be written: ``'`` before a live first character; anything else as is."""
    if isinstance(value, str) and is_live(value):
        return "'" + value
    return value


def _safe_strings(s: pd.Series) -> pd.Series:
    """A column of text (NA kept) with its live cells quoted; ``s`` itself when none is live.
    Checked in Arrow (a million names in a fraction of a second)."""
    out = _quoted_live(pa.array(s.astype("string"), from_pandas=True))
    if out is None:
        return s
    return pd.Series(pd.arrays.ArrowStringArray(out), index=s.index, name=s.name)


def _quoted_live(arr) -> pa.Array | None:
    """An Arrow text array with its live cells quoted (as ``string``); None when none is live."""
    arr = arr.cast(pa.large_string())
    if not _may_be_live(arr):               # the usual case: only the first bytes looked at
        return None
    live = pc.match_substring_regex(arr, _LIVE_START)
    if not pc.any(live).as_py():           # the usual case: one pass over the column
        return None
    live = pc.fill_null(pc.and_kleene(live, pc.invert(pc.match_substring_regex(arr, _PLAIN_NUMBER))), False)
    if not pc.any(live).as_py():
        return None
    quote, empty = pa.scalar("'", pa.large_string()), pa.scalar("", pa.large_string())
    quoted = pc.binary_join_element_wise(quote, arr, empty)
    out = pc.if_else(live, quoted, arr)
    return out.combine_chunks().cast(pa.string()) if isinstance(out, pa.ChunkedArray) else out.cast(pa.string())


def safe_array(arr: pa.Array) -> pa.Array:
    """``neutralise`` for one Arrow text column (a dictionary-encoded one checked by its
    dictionary, and written as plain text when a word of it is live): ``arr`` itself when no
    cell is live, else the same cells with the live ones quoted, of ``arr``'s text type."""
    if pa.types.is_dictionary(arr.type):
        if _quoted_live(arr.dictionary) is None:
            return arr
        arr = arr.dictionary_decode()
    out = _quoted_live(arr)
    return arr if out is None else out.cast(arr.type)


def _may_be_live(arr) -> bool:
    """Whether any cell of a large_string array starts with a live character: the first byte of
    every non-empty cell, taken from the offsets (numpy), before any pattern runs."""
    for c in (arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]):
        if not len(c):
            continue
        _, offsets, data = c.buffers()
        if data is None:
            continue
        off = np.frombuffer(offsets, dtype=np.int64)[c.offset:c.offset + len(c) + 1]
        starts = off[:-1][off[1:] > off[:-1]]
        if starts.size and np.isin(np.frombuffer(data, dtype=np.uint8)[starts], _LIVE_BYTES).any():
            return True
    return False


def _is_text(dtype) -> bool:
    return pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell safe to open in a spreadsheet (a copy when anything changes).

    Text columns (str, pandas/Arrow strings, categoricals of text) are checked as whole columns
    (a categorical by its categories only); numbers, booleans and dates are not touched."""
    out = None
    for j in range(frame.shape[1]):
        s = frame.iloc[:, j]
        if isinstance(s.dtype, pd.CategoricalDtype):
            if not _is_text(s.cat.categories.dtype):
                continue
            cats = pd.Series(s.cat.categories.astype(str), dtype="string")
            safe = _safe_strings(cats)
            if safe is cats:
                continue
            # "=a" and "'=a" both among the categories: write the column as plain text
            fixed = _safe_strings(s.astype("string")) if safe.duplicated().any() else \
                s.cat.rename_categories(safe.tolist())
        elif pd.api.types.is_object_dtype(s.dtype):
            fixed = s.map(safe_text)
            if fixed.equals(s):
                continue
        elif _is_text(s.dtype):
            fixed = _safe_strings(s)
            if fixed is s:
                continue
        else:
            continue
        if out is None:
            out = frame.copy()
        out.isetitem(j, fixed)
    return frame if out is None else out


def _mark_digits(arr: pa.Array) -> pa.Array | None:
    """``arr`` (text) with ``TEXT_MARK`` after every cell of digits only that a spreadsheet would
    read as a number and lose digits of (12 digits or more, or a leading 0); None when none is."""
    arr = arr.cast(pa.large_string())
    # digits only (a scan that stops at the first other character), then 12+ or a leading 0
    digits = pc.ascii_is_decimal(arr)
    if not pc.any(digits).as_py():
        return None
    loses = pc.fill_null(pc.and_(digits, pc.or_(pc.greater_equal(pc.utf8_length(arr), 12),
                                                pc.and_(pc.starts_with(arr, "0"),
                                                        pc.greater_equal(pc.utf8_length(arr), 2)))), False)
    if not pc.any(loses).as_py():
        return None
    marked = pc.binary_join_element_wise(arr, pa.scalar(TEXT_MARK, pa.large_string()),
                                         pa.scalar("", pa.large_string()))
    return pc.if_else(loses, marked, arr).cast(pa.string())


def keep_digits(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame for a CSV file: every text cell of digits only that a spreadsheet would read
    as a number and lose digits of (``_mark_digits``) followed by ``TEXT_MARK`` (a copy when
    anything changes). Numbers, dates and categoricals are not touched; apply after
    ``neutralise`` (a neutralised cell starts with ``'``, so it never is digits only)."""
    out = None
    for j in range(frame.shape[1]):
        s = frame.iloc[:, j]
        if isinstance(s.dtype, pd.CategoricalDtype) or not _is_text(s.dtype):
            continue
        fixed = _mark_digits(pa.array(s.astype("string"), from_pandas=True))
        if fixed is None:
            continue
        if out is None:
            out = frame.copy()
        out.isetitem(j, pd.Series(pd.arrays.ArrowStringArray(fixed), index=s.index, name=s.name))
    return frame if out is None else out


def keep_digits_table(table: pa.Table) -> pa.Table:
    """``keep_digits`` for an Arrow table (the partitioned path writes its CSV from Arrow): its
    plain text columns (dictionary-encoded ones are words of the app, never long numbers)."""
    for j, field in enumerate(table.schema):
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            fixed = _mark_digits(table.column(j).combine_chunks())
            if fixed is not None:
                table = table.set_column(j, field.name, fixed.cast(field.type))
    return table
