"""What every column parser of ``core.normalize`` and ``core.parse_dates`` shares.

A parser takes a pandas Series of text (object, ``string`` or ``str`` dtype; missing = NA/None)
and works on the whole column. Columns such as dates, provinces, yes/no and month counts have few
distinct values, so each parser reads the *unique* values once (``_by_unique``) with a small
Python function and maps the results back to the rows with ``take``; ``remember_parsed`` keeps
those results across calls (a long roster read in batches). Here too: one cell as clean text
(``clean_scalar``), a column as one Arrow string array and back (``_to_arrow``,
``_string_series``), and :class:`Parsed`, what every parser returns.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Whitespace and invisible characters stripped at both ends of every cell. NFKC already turns the
# ideographic space U+3000, the non-breaking space and the other Unicode spaces into " ".
_STRIP = " \t\n\r\f\v\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
         "\u2028\u2029\u202f\u205f\u3000\u200b\u200c\u200d\u2060\ufeff"


# Status of one unique value.
_OK, _BLANK, _INVALID = 0, 1, 2


@dataclass
class Parsed:
    values: pd.Series       # parsed values, NA where blank or invalid; same index as input
    invalid: np.ndarray     # bool: non-blank but not readable
    blank: np.ndarray       # bool: missing or only whitespace


# ---------------------------------------------------------------------------------------------
# helpers


def _to_arrow(s: pd.Series) -> pa.Array:
    """The column as one pyarrow (large) string array; non-text cells become their ``str``."""
    try:
        arr = pa.array(s, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = pa.array(s.astype("string"), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_null(arr.type):
        arr = arr.cast(pa.large_string())
    elif not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pa.array(s.astype("string"), from_pandas=True)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
    return arr


def _string_series(arr: pa.Array, index: pd.Index) -> pd.Series:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(arr), index=index, copy=False)


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def clean_scalar(value: Any) -> str | None:
    """One cell as clean text: NFKC, trimmed; ``None`` when missing or only whitespace."""
    if _is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        text = str(int(value)) if abs(value) < 1e15 else repr(value)
    else:
        text = str(value)
    text = unicodedata.normalize("NFKC", text).strip(_STRIP)
    return text or None



def _encode(s: pd.Series) -> tuple[np.ndarray, list]:
    """The row codes into the distinct values of ``s`` (-1 for missing) and those values, in order
    of first appearance. Text columns are dictionary-encoded by pyarrow (one hash pass, no pandas
    round trip); other columns (an .xlsx read with date or number cells) go through pandas."""
    if isinstance(s.dtype, pd.StringDtype):
        encoded = pc.dictionary_encode(_to_arrow(s))
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        return codes, encoded.dictionary.to_pylist()
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes, list(uniques)


#: what each parser gave for each text, kept across calls while ``remember_parsed`` is on (a
#: long roster read in batches: the same dates, districts and counts in every batch); None: off
_MEMO: dict | None = None
_MEMO_MAX = 1 << 18      # texts per parser; then that parser's memory starts again


def remember_parsed(on: bool = True) -> None:
    """Keep what each parser gave for each distinct text across calls (``core.partition_stream``'s
    worker processes, whose reference tables do not change while they run); off clears it."""
    global _MEMO
    _MEMO = {} if on else None


def _memo_key(fn) -> Any:
    """What a parser's results are remembered under: its ``memo_key`` (``_parser`` sets it for a
    named function, ``core.parse_dates`` for its date reader); None: not remembered."""
    return getattr(fn, "memo_key", None)


def _by_unique(s: pd.Series, fn: Callable[[Any], tuple[int, Any]]) -> tuple[np.ndarray, np.ndarray, list]:
    """Apply ``fn`` (value -> (status, parsed)) to each distinct value of ``s``.

    Returns the row codes into the uniques (-1 for missing), the status per row, and the list of
    parsed values per unique."""
    codes, uniques = _encode(s)
    key = _memo_key(fn) if _MEMO is not None else None
    if key is None:
        results = [fn(u) for u in uniques]
    else:
        memo = _MEMO.setdefault(key, {})
        if len(memo) > _MEMO_MAX:
            memo.clear()
        get = memo.get
        results = [get(u) or memo.setdefault(u, fn(u)) if type(u) is str else fn(u) for u in uniques]
    # one status per unique, then _BLANK for code -1 (the last entry), taken by row in one step
    status_u = np.fromiter((r[0] for r in results), dtype=np.int8, count=len(results))
    status = np.append(status_u, np.int8(_BLANK))[codes]
    return codes, status, [r[1] for r in results]


def _masks(status: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return status == _INVALID, status == _BLANK


def _take_strings(codes: np.ndarray, status: np.ndarray, values: list, index: pd.Index) -> pd.Series:
    dictionary = pa.array([v if v is not None else None for v in values], type=pa.large_string())
    indices = pa.array(codes, mask=status != _OK, type=pa.int32()) if len(codes) else pa.array([], pa.int32())
    return _string_series(pc.take(dictionary, indices), index)


def _take_numeric(codes: np.ndarray, status: np.ndarray, values: list, dtype) -> tuple[np.ndarray, np.ndarray]:
    # one value per unique (0 where there is none: blank or unreadable), then 0 for code -1
    vals_u = np.array([v if v is not None else 0 for v in values] + [0], dtype=dtype)
    return vals_u[codes], status != _OK


def _parser(fn: Callable[[str], Any]) -> Callable[[Any], tuple[int, Any]]:
    """Wrap ``fn(clean text) -> value or None`` into the (status, value) form of ``_by_unique``."""

    def wrapped(raw: Any) -> tuple[int, Any]:
        text = clean_scalar(raw)
        if text is None:
            return _BLANK, None
        value = fn(text)
        return (_INVALID, None) if value is None else (_OK, value)

    wrapped.memo_key = fn if getattr(fn, "__name__", "<lambda>") != "<lambda>" else None
    return wrapped
