"""What python-calamine does not give, found in the workbook file itself (``core.reader``):
error cells (#N/A, #DIV/0! ...), which calamine gives as "", the same as an empty cell
(python-calamine issue 105), and formula cells with no computed value, which calamine gives as empty too."""
from __future__ import annotations

import io
import re
import struct
import threading
import zipfile
from html import unescape

import numpy as np


class Background:
    """``fn(*args)`` in a thread; its result, or {} when it failed (error cells are a refinement:
    looking for them never makes a readable file unreadable)."""

    def __init__(self, fn, *args):
        self._out: dict = {}
        self._thread = threading.Thread(target=self._run, args=(fn, args), daemon=True)
        self._thread.start()

    def _run(self, fn, args) -> None:
        try:
            self._out["value"] = fn(*args)
        except Exception:
            self._out["value"] = {}

    def result(self) -> dict:
        self._thread.join()
        return self._out.get("value", {})


def put_error_cells(rows: list, errors: dict) -> None:
    """Each error cell's text where calamine left the cell empty (rows start at A1)."""
    for (r, c), text in errors.items():
        if r < len(rows) and c < len(rows[r]) and rows[r][c] == "":
            rows[r][c] = text


_XML_CHUNK = 1 << 22
_XLSX_ERROR_MARKS = (b't="e"', b"t='e'")
_FORMULA_MARKS = (b"<f>", b"<f ", b":f>", b":f ")
_XLSX_CELL_REF = re.compile(rb"""\sr=["']([A-Z]{1,3})([0-9]{1,7})["']""")
_XLSX_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def xlsx_sheet_part(z: zipfile.ZipFile, sheet_name: str) -> str:
    """The zip member holding the sheet ``sheet_name``."""
    import posixpath
    import xml.etree.ElementTree as ET

    book = "xl/workbook.xml"
    for rel in ET.fromstring(z.read("_rels/.rels")):
        if rel.get("Type", "").endswith("/officeDocument"):
            book = rel.get("Target", book).lstrip("/")
    folder, _, leaf = book.rpartition("/")
    rid = next(el.get(_REL_ID) for el in ET.fromstring(z.read(book)).iter()
               if el.tag.rpartition("}")[2] == "sheet" and el.get("name") == sheet_name)
    rels = ET.fromstring(z.read(posixpath.join(folder, "_rels", leaf + ".rels")))
    target = next(rel.get("Target") for rel in rels if rel.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))


def xlsx_error_cells(data: bytes, sheet_name: str, seen: dict | None = None) -> dict:
    """(row, column) -> error text (#N/A ...) of the cells of type "e" in the sheet's XML;
    ``seen["formulas"]`` is set when the XML may hold a formula (so that the sheet is read again
    for formulas with no value only when it has some).

    The XML is read in pieces; a piece is searched only for the error marker (no parsing), and
    the few error cells found are read with a short pattern each."""
    out: dict = {}
    seen = {} if seen is None else seen
    with zipfile.ZipFile(io.BytesIO(data)) as z, z.open(xlsx_sheet_part(z, sheet_name)) as f:
        keep, pending = b"", False   # pending: a cell of type "e" in ``keep`` is not complete yet
        while True:
            chunk = f.read(_XML_CHUNK)
            last = not chunk
            joint = keep[-8:] + chunk[:8]
            if not seen.get("formulas") and any(m in chunk or m in joint for m in _FORMULA_MARKS):
                seen["formulas"] = True
            if not (last or pending or any(m in chunk or m in joint for m in _XLSX_ERROR_MARKS)):
                # enough for a cell's start tag cut by the piece boundary
                keep = chunk[-256:] if len(chunk) >= 256 else (keep + chunk)[-256:]
                continue
            buf = keep + chunk
            cut, pending = max(0, len(buf) - 256), False
            for mark in _XLSX_ERROR_MARKS:
                i = buf.find(mark)
                while i >= 0:
                    start = buf.rfind(b"<", 0, i)
                    name = re.match(rb"<([\w:]+)", buf[start:start + 40]) if start >= 0 else None
                    if name is None or name.group(1).rpartition(b":")[2] != b"c":
                        i = buf.find(mark, i + 1)
                        continue
                    tag_end = buf.find(b">", i)
                    if tag_end >= 0 and buf[tag_end - 1:tag_end] == b"/":   # <c ... t="e"/>: no value
                        close = tag_end
                    else:
                        close = buf.find(b"</" + name.group(1) + b">", tag_end) if tag_end >= 0 else -1
                    if close < 0:   # the cell goes on in the next piece
                        cut, pending = min(cut, start), True
                        break
                    ref = _XLSX_CELL_REF.search(buf, start, tag_end)
                    value = _XLSX_VALUE.search(buf, tag_end, close)
                    if ref and value and value.group(1).strip():
                        letters, number = ref.groups()
                        col = 0
                        for ch in letters:
                            col = col * 26 + ch - 64
                        out[(int(number) - 1, col - 1)] = unescape(value.group(1).decode("utf-8")).strip()
                    i = buf.find(mark, i + 1)
            if last:
                break
            keep = buf[cut:]
    seen["done"] = True
    return out


# BIFF8 (.xls): the OLE2 container's Workbook stream, its records
_BIFF_BOF, _BIFF_EOF, _BIFF_FILEPASS, _BIFF_BOUNDSHEET = 0x0809, 0x000A, 0x002F, 0x0085
_BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?",
                0x24: "#NUM!", 0x2A: "#N/A", 0x2B: "#GETTING_DATA"}


def _ole_stream(data: bytes, names: tuple[str, ...]) -> bytes | None:
    """The first stream of the OLE2 compound file ``data`` named one of ``names``, or None."""
    import olefile

    with olefile.OleFileIO(data) as ole:
        for name in names:
            if ole.exists(name):
                return ole.openstream(name).read()
    return None


def _biff_globals(stream: bytes) -> tuple[bool, list[tuple[str, int]]]:
    """(encrypted, [(sheet name, offset of its BOF)]) from the workbook globals of a BIFF stream."""
    sheets: list[tuple[str, int]] = []
    pos = 0
    if len(stream) < 8 or struct.unpack_from("<H", stream, 0)[0] != _BIFF_BOF:
        return False, sheets
    biff8 = struct.unpack_from("<H", stream, 4)[0] == 0x0600
    while pos + 4 <= len(stream):
        rt, cb = struct.unpack_from("<HH", stream, pos)
        if rt == _BIFF_FILEPASS:
            return True, []
        if rt == _BIFF_BOUNDSHEET and biff8 and cb >= 8:
            offset = struct.unpack_from("<I", stream, pos + 4)[0]
            cch, high = stream[pos + 10], stream[pos + 11] & 1
            raw = stream[pos + 12:pos + 12 + cch * (2 if high else 1)]
            sheets.append((raw.decode("utf-16-le" if high else "latin-1", "replace"), offset))
        if rt == _BIFF_EOF:
            break
        pos += 4 + cb
    return False, sheets


def xls_encrypted(data: bytes) -> bool:
    """The .xls workbook has a FILEPASS record (a password to open it)."""
    try:
        stream = _ole_stream(data, ("Workbook", "Book"))
        return stream is not None and _biff_globals(stream)[0]
    except Exception:
        return False


def xls_error_cells(data: bytes, sheet_name: str) -> dict:
    """(row, column) -> error text of the sheet's error cells: BOOLERR records with fError set and
    FORMULA records whose cached value is an error, found by their bytes over the whole sheet at
    once (numpy), not record by record. A chance match elsewhere only counts where calamine read
    an empty cell at that place. {} when the file is not what this expects (never an error)."""
    try:
        return _xls_error_cells_of(data, sheet_name)
    except Exception:
        return {}


def _xls_error_cells_of(data: bytes, sheet_name: str) -> dict:
    stream = _ole_stream(data, ("Workbook",))
    _, sheets = _biff_globals(stream or b"")
    start = next((off for name, off in sheets if name == sheet_name), None)
    if start is None or start >= len(stream):
        return {}
    end = min([off for _, off in sheets if off > start] + [len(stream)])
    a = np.frombuffer(stream, np.uint8, count=end - start, offset=start)
    n = len(a) - 18
    if n <= 0:
        return {}
    out: dict = {}
    boolerr = (a[:n] == 0x05) & (a[1:n + 1] == 0x02) & (a[2:n + 2] == 8) & (a[3:n + 3] == 0) & (a[11:n + 11] == 1)
    formula = ((a[:n] == 0x06) & (a[1:n + 1] == 0) & (a[10:n + 10] == 2)
               & (a[16:n + 16] == 0xFF) & (a[17:n + 17] == 0xFF))
    for found, code_at in ((boolerr, 10), (formula, 12)):
        at = np.flatnonzero(found)
        rw = a[at + 4].astype(np.int64) | a[at + 5].astype(np.int64) << 8
        col = a[at + 6].astype(np.int64) | a[at + 7].astype(np.int64) << 8
        for r, c, code in zip(rw.tolist(), col.tolist(), a[at + code_at].tolist()):
            if code in _BIFF_ERRORS:
                out[(r, c)] = _BIFF_ERRORS[code]
    return out




# a cell whose only content is a formula, with no value or an empty one (<v></v>, as openpyxl writes);
# found from its end (a formula's end or a self-closed element, then at most an empty value, then
# </c>: a plain search, 0.05 s over 40 MB of XML), then checked whole from the cell's start tag
_XLSX_NO_VALUE_END = re.compile(rb"(?:f>|/>)(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>|\s)*</(?:\w+:)?c>")
_XLSX_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>]")
_XLSX_NO_VALUE_FORMULA = re.compile(
    rb"""<(?:\w+:)?c\b[^>]*?\sr=["']([A-Z]{1,3})([0-9]{1,7})["'][^>]*>\s*"""
    rb"""<(?:\w+:)?f\b(?:[^>]*/>|[^>]*>[^<]*</(?:\w+:)?f>)\s*"""
    rb"""(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>""")


def xlsx_formula_cells(data: bytes, sheet_name: str, rows: set[int], after: int) -> dict[int, list[int]]:
    """0-based row -> 0-based columns of the cells that hold a formula and no value (a workbook
    written by a program that does not compute formulas), in ``rows`` and in the rows from
    ``after`` on (calamine leaves out trailing rows with no value). The sheet's XML is read in
    pieces of complete rows, each searched once for the end of such cells (no walk row by row:
    a sheet of 100,000 rows with a formula in each adds a fraction of a second)."""
    out: dict[int, list[int]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z, z.open(xlsx_sheet_part(z, sheet_name)) as f:
        buf = b""
        while True:
            chunk = f.read(_XML_CHUNK)
            buf += chunk
            end = len(buf) if not chunk else buf.rfind(b"</row>")   # complete rows only
            if end < 0:
                continue
            for m in _XLSX_NO_VALUE_END.finditer(buf, 0, end):
                cell = _no_value_formula(buf, m.start(), m.end())
                if cell is None:
                    continue
                number = int(cell.group(2)) - 1
                if number in rows or number >= after:
                    out.setdefault(number, []).append(_column_index(cell.group(1)))
            if not chunk:
                break
            buf = buf[end:]
    return out


def _no_value_formula(buf: bytes, start: int, end: int):
    """The match of a whole formula cell with no value ending at ``end``, or None: the cell's start
    tag is one of the few "<" before ``start`` (its formula's start and end tags between)."""
    i = start
    for _ in range(6):
        i = buf.rfind(b"<", 0, i)
        if i < 0:
            return None
        if _XLSX_CELL_TAG.match(buf, i):
            return _XLSX_NO_VALUE_FORMULA.fullmatch(buf, i, end)
    return None


def _column_index(letters: bytes) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + ch - 64
    return col - 1
