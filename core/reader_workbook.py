"""Workbook rosters (.xlsx, .xls) for ``core.reader``, read with python-calamine.

Every cell comes back as the text it holds (Excel typed cells rendered as text, see
:func:`_cell_text`). Error cells (#N/A ...), which calamine gives as empty, are found in the file
itself (``core.reader_cells``) and read as their text; a cell that is a formula with no computed
value (calamine gives it as empty too) is reported as such wherever it is, and a row of such cells
is kept, not dropped as blank.
"""
from __future__ import annotations

import datetime as dt
import io
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.normalize import plausible_serial
from core.reader_base import (
    HEADER_SEARCH_ROWS, RawRoster, RosterReadError, _find_header, _finish, header_map, normalise_header,
)
from core.reader_cells import (
    Background, put_error_cells, xls_encrypted, xls_error_cells, xlsx_error_cells, xlsx_formula_cells,
)
from core.reader_limits import refuse_width
from core.reference import columns

_EXCEL_EPOCH = dt.date(1899, 12, 30)


def is_panic(exc: BaseException) -> bool:
    """A Rust panic inside python-calamine (pyo3's PanicException derives from BaseException, so
    ``except Exception`` lets it through)."""
    return type(exc).__name__ == "PanicException"


def _choose_sheet(wb, preferred: str) -> str:
    import python_calamine

    names = list(wb.sheet_names)
    if not names:
        raise RosterReadError("empty")
    if preferred in names:
        return preferred
    stripped = [n for n in names if n.strip() == preferred]
    visible = [m.name for m in wb.sheets_metadata
               if m.visible == python_calamine.SheetVisibleEnum.Visible
               and m.typ == python_calamine.SheetTypeEnum.WorkSheet]
    return (stripped or visible or names)[0]


def read_workbook(data: bytes, kind: str, preferred: str) -> RawRoster:
    """The sheet ``preferred`` (else the first visible worksheet) of an .xlsx or .xls workbook."""
    import python_calamine

    scan, seen = None, {}
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet_name = _choose_sheet(wb, preferred)
        if kind == "xlsx":   # the sheet's error cells, looked for while calamine reads it
            scan = Background(xlsx_error_cells, data, sheet_name, seen)
        rows = wb.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    except RosterReadError:
        raise
    except getattr(python_calamine, "PasswordError", ()) as exc:
        raise RosterReadError("encrypted") from exc
    except BaseException as exc:
        if not (isinstance(exc, Exception) or is_panic(exc)):
            raise
        # calamine says "Cannot detect file format" for a password-protected .xls read from memory
        if kind == "xls" and xls_encrypted(data):
            raise RosterReadError("encrypted") from exc
        raise RosterReadError("corrupt_" + kind) from exc
    put_error_cells(rows, scan.result() if scan is not None else xls_error_cells(data, sheet_name))
    refuse_width(max((len(r) for r in rows[:HEADER_SEARCH_ROWS]), default=0))
    head_text = [[_cell_text(c) or "" for c in r] for r in rows[:HEADER_SEARCH_ROWS]]
    try:
        h = _find_header(head_text, whole=len(rows) <= HEADER_SEARCH_ROWS)
    except RosterReadError as exc:
        if exc.key == "empty":
            raise RosterReadError("empty_sheet", sheet=sheet_name) from None
        raise
    headers = head_text[h]
    kinds = [_kind_of(hdr) for hdr in headers]
    width = len(headers)
    body = [r if len(r) == width else (list(r) + [""] * width)[:width] for r in rows[h + 1:]]
    formulas = _formulas_of_empty_cells(data, kind, sheet_name, body, h + 1, width) \
        if seen.get("formulas") or not seen.get("done") else {}
    by_column = list(zip(*body)) if body else [()] * width
    cols = [_column_text(list(by_column[j]), kinds[j]) for j in range(width)]
    table = pa.table(cols, names=[f"c{i}" for i in range(width)]) if width else pa.table({})
    return _finish(table, headers, h + 1, kind, None, sheet_name, formulas)


def _formulas_of_empty_cells(data: bytes, kind: str, sheet_name: str, body: list, first: int,
                             width: int) -> dict[int, list[int]]:
    """Position in ``body`` -> columns of the formula cells with no computed value, among the rows
    where calamine read some cell as empty (a required cell would otherwise read as missing, an
    optional one as not given) and after its last row (calamine leaves those out; they are
    added to ``body`` as empty rows). The sheet is scanned only when its XML may hold such a cell."""
    if kind != "xlsx":
        return {}
    empty = {first + i for i, r in enumerate(body) if any(c is None or c == "" for c in r)}
    try:   # a refinement: looking for them never makes a readable file unreadable
        found = xlsx_formula_cells(data, sheet_name, empty, first + len(body))   # 0-based sheet rows
    except Exception:
        return {}
    out = {r - first: [c for c in cols if c < width] for r, cols in found.items() if r >= first}
    out = {pos: cols for pos, cols in out.items() if cols}
    if out and max(out) >= len(body):
        body.extend([[""] * width for _ in range(max(out) + 1 - len(body))])
    return out


def _kind_of(header: str) -> str | None:
    fld = header_map().get(normalise_header(header))
    for c in columns():
        if c.field == fld:
            return c.kind
    return None


def _number_text(v: float) -> str:
    if isinstance(v, int):
        return str(v)
    if not math.isfinite(v):
        return str(v)
    if v.is_integer():
        return str(int(v))
    return repr(float(format(v, ".15g")))


def _serial_date(v: float) -> str | None:
    """A number in a date column as the date it stands for, when it is a plausible Excel date
    serial (core.normalize.plausible_serial); else None: a number such as 2018 or 3 typed into a
    date column is that number, and is refused as a date like the same text in a CSV file."""
    if not plausible_serial(v):
        return None
    return (_EXCEL_EPOCH + dt.timedelta(days=int(math.floor(v)))).isoformat()


def _id_number_text(v: float) -> str:
    """An ID Excel kept as a number: a whole number below 10^15 exactly (every digit is kept, so
    a 15-digit number reads as the old 15-digit form); a longer one the way Excel shows it
    (5.13226E+17), its last digits lost."""
    if isinstance(v, float) and not v.is_integer():
        return _number_text(v)
    if abs(v) < 1e15:
        return str(int(v))
    return format(float(v), ".5E")


def _cell_text(v, kind: str | None = None) -> str | None:
    """One workbook cell as text; None when empty."""
    if v is None:
        return None
    if isinstance(v, str):
        return v if v != "" else None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return str(v)
    if isinstance(v, (int, float)):
        if kind == "date":
            s = _serial_date(float(v))
            if s is not None:
                return s
        if kind == "id":
            return _id_number_text(v)
        return _number_text(v)
    return str(v)


def _column_text(values: list, kind: str | None) -> pa.Array:
    """A workbook column as a string array: each distinct value rendered once, mapped back."""
    if not values:
        return pa.array([], pa.string())
    types = set(map(type, values))
    if types <= {str}:
        arr = pa.array(values, pa.string())
        return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    if bool in types and types & {int, float}:  # True == 1.0 would merge when factorized
        return pa.array([_cell_text(v, kind) for v in values], pa.string())
    obj = np.empty(len(values), dtype=object)
    obj[:] = values
    codes, uniques = pd.factorize(obj, use_na_sentinel=True)
    texts = np.array([_cell_text(u, kind) for u in uniques] + [None], dtype=object)
    return pa.array(texts[codes], pa.string())
