"""What every roster reader shares (``core.reader``): the result (:class:`RawRoster`), the
error (:class:`RosterReadError`), header matching, and the common tail that turns a table of
texts into a :class:`RawRoster` (blank rows, column names, cell checks)."""
from __future__ import annotations

import unicodedata
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.i18n import CatalogError, t
from core.normalize import _STRIP
from core.reference import columns

#: the header is looked for among this many rows at the top of the sheet
HEADER_SEARCH_ROWS = 10

class RosterReadError(CatalogError):
    """The file cannot be read at all; ``message`` is one Chinese sentence saying why
    (``reader.<key>`` in the catalog; ``text(lang)`` in another language)."""

    prefix = "reader."


@dataclass
class RawRoster:
    frame: pd.DataFrame
    row_numbers: np.ndarray
    header_row: int
    blank_rows: int
    unknown_columns: list[str] = field(default_factory=list)
    file_kind: str = "csv"
    encoding: str | None = None
    sheet: str | None = None
    #: cells the reader found wrong, as row errors for the validator: (catalog key under
    #: ``reader.row.``, frame column, positions of the rows). Also in ``frame.attrs["reader_issues"]``.
    issues: list[tuple[str, str, np.ndarray]] = field(default_factory=list)


# --------------------------------------------------------------------------- headers

def normalise_header(text) -> str:
    """Header text as matched: NFKC (full-width brackets and spaces folded), no whitespace at all,
    no zero-width characters, no required-marker asterisks, lower case (for the English names)."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = "".join(ch for ch in s if not ch.isspace() and ch not in "\u200b\u200c\u200d\u2060\ufeff")
    s = s.strip("*")
    return s.casefold()


@lru_cache(maxsize=None)
def _header_map() -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {}
    for col in columns():
        for text in (col.header, col.field, *col.aliases):
            out.setdefault(normalise_header(text), col.field)
    return tuple(out.items())


def header_map() -> dict[str, str]:
    """Normalised header text -> field: headers, aliases from columns.yaml, English field names."""
    return dict(_header_map())


#: the fields a file must have, when not the roster's own (``required_fields``)
_REQUIRED: ContextVar[tuple[str, ...] | None] = ContextVar("required_fields", default=None)


@contextmanager
def required_fields(fields: tuple[str, ...]):
    """Read a table that needs only ``fields`` among the roster's columns (the province's list:
    姓名, 身份证号, 户籍省份), with everything else the roster reader does: the same header search,
    encodings, limits and cell checks."""
    token = _REQUIRED.set(tuple(fields))
    try:
        yield
    finally:
        _REQUIRED.reset(token)


def _required_fields() -> list[str]:
    chosen = _REQUIRED.get()
    if chosen is not None:
        return list(chosen)
    return [c.field for c in columns() if c.required]


def _header_of(field_name: str) -> str:
    for c in columns():
        if c.field == field_name:
            return c.header
    return field_name


def _match_count(cells: list[str]) -> int:
    hm = header_map()
    found = {hm.get(normalise_header(c)) for c in cells}
    return sum(1 for f in _required_fields() if f in found)


def _find_header(rows: list[list[str]], whole: bool) -> int:
    """Index of the first row holding every required header; else a RosterReadError.

    ``whole``: ``rows`` is the whole file (so no content at all means an empty file)."""
    required = _required_fields()
    best, best_count = -1, -1
    for i, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        n = _match_count(cells)
        if n == len(required):
            return i
        if n > best_count:
            best, best_count = i, n
    if whole and not any(any(str(c).strip() for c in r) for r in rows):
        raise RosterReadError("empty")
    if best_count <= 0:
        raise RosterReadError(
            "no_header", rows=HEADER_SEARCH_ROWS, required=[_header_of(f) for f in required]
        )
    hm = header_map()
    found = {hm.get(normalise_header(c)) for c in rows[best]}
    missing = [_header_of(f) for f in required if f not in found]
    raise RosterReadError("missing_columns", missing=missing, row=best + 1, rows=HEADER_SEARCH_ROWS)


def _column_letter(index: int) -> str:
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _column_names(headers: list) -> tuple[list[str], list[str]]:
    """Frame column names (field, or stripped header text) and the unknown ones, in file order."""
    hm = header_map()
    names: list[str] = []
    unknown: list[str] = []
    used: set[str] = set()
    for i, raw in enumerate(headers):
        text = "" if raw is None else str(raw).strip()
        fld = hm.get(normalise_header(text)) if text else None
        if fld is not None and fld not in used:
            name = fld
        else:  # unknown, or a second column for a field already taken: passed through
            base = text or t("reader.unnamed_column", letter=_column_letter(i))
            name, k = base, 2
            while name in used or normalise_header(name) in hm:
                name = f"{base}_{k}"
                k += 1
            unknown.append(name)
        used.add(name)
        names.append(name)
    return names, unknown



# --------------------------------------------------------------------------- common tail

def _finish(table: pa.Table, headers: list, header_row: int, kind: str, encoding, sheet,
            formulas: dict[int, list[int]] | None = None) -> RawRoster:
    """The common tail. ``formulas``: position of a row -> the columns holding a formula with no
    computed value (a workbook saved by a program that does not compute): such a row is kept even
    when it looks blank, and each such cell is a row error."""
    from core.reader_limits import check_rows

    n = table.num_rows
    check_rows(header_row + n)
    row_numbers = np.arange(header_row + 1, header_row + 1 + n, dtype=np.int64)
    blank = _blank_rows(table)
    if formulas and len(blank):
        blank = blank[~np.isin(blank, np.fromiter(formulas, np.int64, len(formulas)))]
    blank_rows = len(blank)
    mask = None
    if blank_rows:
        mask = np.ones(n, dtype=bool)
        mask[blank] = False
        table = table.filter(pa.array(mask))
        row_numbers = row_numbers[mask]

    # columns with no header and no data are dropped (trailing empty cells in a header row)
    keep = [i for i, hd in enumerate(headers)
            if (hd is not None and str(hd).strip()) or table.column(i).null_count < table.num_rows
            or any(i in cols for cols in (formulas or {}).values())]
    if len(keep) != len(headers):
        table = table.select(keep)
        headers = [headers[i] for i in keep]
    names, unknown = _column_names(headers)
    table = table.rename_columns(names)
    table, issues = _control_characters(table, row_numbers)
    if formulas:
        issues += _formula_issues(formulas, keep, names, mask)
    frame = table.to_pandas(types_mapper=_types_mapper, split_blocks=True, self_destruct=True)
    frame.index = pd.RangeIndex(len(frame))
    frame.attrs["reader_issues"] = issues
    return RawRoster(frame, row_numbers, header_row, blank_rows, unknown, kind, encoding, sheet, issues)


# control characters other than tab, line feed and carriage return (a cell may hold several lines)
_CONTROL = np.zeros(256, dtype=bool)
_CONTROL[[*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]] = True
_CONTROL_RE = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]"


def _has_control_byte(data: np.ndarray) -> bool:
    """A control byte among ``data`` (two comparisons over the bytes; the exact test, which lets
    tab, LF and CR pass, only where a byte below 0x20 is there at all)."""
    low = data < 0x20
    if low.any() and _CONTROL[data[low]].any():
        return True
    return bool((data == 0x7F).any())


def _control_characters(table: pa.Table, row_numbers: np.ndarray,
                        lengths: bool = True) -> tuple[pa.Table, list]:
    """Cell checks of every column: a cell longer than Excel allows refuses the file
    (core.reader_limits; ``lengths=False``: the caller's cells were checked already); a cell
    with a control character (NUL ...) is a row error naming its column, and the character is
    shown as U+FFFD (a NUL cannot be stored in PostgreSQL text). The bytes of each column are
    looked at once (numpy); the pattern runs only over a column that has such a byte."""
    from core.reader_limits import check_cell_lengths

    if lengths:
        check_cell_lengths(table, row_numbers)
    issues = []
    for i, (name, col) in enumerate(zip(table.column_names, table.columns)):
        if not any(_has_control_byte(np.frombuffer(c.buffers()[2], np.uint8))
                   for c in col.chunks if len(c) and c.buffers()[2] is not None):
            continue
        found = pc.fill_null(pc.match_substring_regex(col, _CONTROL_RE), False)
        at = np.flatnonzero(np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool))
        if at.size:
            issues.append(("control_chars", name, at))
            table = table.set_column(i, name, pc.replace_substring_regex(col, _CONTROL_RE, "\ufffd"))
    return table, issues


def _formula_issues(formulas: dict, keep: list[int], names: list[str], mask) -> list:
    """(key, column, positions after blank rows are dropped) of the formula cells with no value."""
    new_pos = np.cumsum(mask) - 1 if mask is not None else None
    by_column: dict[str, list[int]] = {}
    for pos, cols in sorted(formulas.items()):
        for c in cols:
            if c in keep:
                at = int(new_pos[pos]) if new_pos is not None else pos
                by_column.setdefault(names[keep.index(c)], []).append(at)
    return [("formula_no_value", name, np.asarray(at, dtype=np.int64)) for name, at in by_column.items()]


def _blank_rows(table: pa.Table) -> np.ndarray:
    """Positions of the entirely blank rows: every cell missing, or only whitespace and invisible
    characters (zero-width spaces, BOMs), blank as the validator sees it (core.normalize._STRIP).

    Column by column, only over the rows still blank so far: one column with content in most rows
    settles almost every row, so this costs about one column's pass."""
    cand = None
    for col in table.columns:
        sub = col if cand is None else col.take(cand)
        empty = pc.or_kleene(pc.is_null(sub), pc.fill_null(pc.utf8_is_space(sub), False))
        empty = np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
        # invisible characters: trimmed only in the cells that start with one of them (or a space)
        maybe = np.flatnonzero(_starts_with_strip(sub) & ~empty)
        if maybe.size:
            trimmed = pc.utf8_trim(sub.take(maybe), _STRIP)
            empty[maybe] = np.asarray(pc.fill_null(pc.equal(pc.binary_length(trimmed), 0), False)
                                      .to_numpy(zero_copy_only=False), dtype=bool)
        idx = np.flatnonzero(empty)
        cand = idx if cand is None else cand[idx]
        if len(cand) == 0:
            break
    if cand is None:
        return np.empty(0, dtype=np.int64)
    return np.asarray(cand, dtype=np.int64)


_STRIP_LEAD = np.zeros(256, dtype=bool)   # first UTF-8 bytes of the characters of _STRIP
_STRIP_LEAD[[ch.encode("utf-8")[0] for ch in _STRIP]] = True


def _starts_with_strip(arr) -> np.ndarray:
    """Per cell: its first byte can begin a character of _STRIP (read from the Arrow buffers)."""
    parts = []
    for c in (arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]):
        n = len(c)
        _, offsets_buf, data_buf = c.buffers()
        if n == 0 or data_buf is None or data_buf.size == 0:
            parts.append(np.zeros(n, dtype=bool))
            continue
        offsets = np.frombuffer(offsets_buf, np.int64 if pa.types.is_large_string(c.type) else np.int32)
        offsets = offsets[c.offset:c.offset + n + 1]
        data = np.frombuffer(data_buf, np.uint8)
        first = data[np.minimum(offsets[:-1], len(data) - 1)]
        parts.append(_STRIP_LEAD[first] & (offsets[1:] > offsets[:-1]))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


_STRING_DTYPE = pd.StringDtype("pyarrow")


def _types_mapper(arrow_type):
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return _STRING_DTYPE
    return None