"""Roster files as officers send them: bytes + file name -> :class:`RawRoster`.

The contract is ``shared/spec/ROSTER.md``. The reader only *reads*: every cell comes back as the
text it holds (Excel typed cells rendered as text, see :func:`_cell_text`), under the canonical field
name of its column, with the row number Excel shows. Validation (stripping, full-width folding,
parsing) is the validator's job.

CSV goes through ``pyarrow.csv`` (all columns as strings, no per-row Python work); the header is
found in the first rows with the stdlib ``csv`` module. Lines may end in CRLF, LF or a lone CR
(old Mac Excel); Excel's ``sep=;`` first line sets the delimiter and is not a row. Ragged CSV files
fall back to the stdlib parser so that no row is ever lost. Workbooks (.xlsx, .xls) are read with
python-calamine; error cells (#N/A ...), which it gives as empty, are found in the file itself and
read as their text.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import struct
import threading
import unicodedata
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from core.i18n import CatalogError, t
from core.normalize import _STRIP, plausible_serial
from core.reference import columns

#: the header is looked for among this many rows at the top of the sheet
HEADER_SEARCH_ROWS = 10
#: bytes of a CSV file looked at to detect the encoding
HEAD_BYTES = 64 * 1024
#: sheet read first when a workbook has it
ROSTER_SHEET = "名单"

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DELIMITERS = (",", "\t", ";")
# a line ends at "\r\n", "\n" or a lone "\r" (old Mac Excel); pyarrow reads all three
_LINE_END = re.compile(rb"\r\n?|\n")
# Excel's delimiter hint, a first line that Excel itself hides: sep=;
_SEP_HINT = re.compile(rb"sep=([\t\x20-\x7e])(?:\r\n?|\n|$)", re.IGNORECASE)
# a web page saved with an .xls name (Excel's "Web Page" format), with or without <html>
_HTML_LEAD = re.compile(rb"<(?:!doctype\s+html|html|head|meta|body|table|style|title|link|script|div|tr|td|font|br|p)[\s>/]")
# Excel 2003 "XML Spreadsheet" (SpreadsheetML), often saved as .xls
_XML_SPREADSHEET = re.compile(rb"urn:schemas-microsoft-com:office:spreadsheet|progid\s*=\s*[\"']excel\.sheet[\"']")


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


def _required_fields() -> list[str]:
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


# --------------------------------------------------------------------------- entry points

def read_roster_path(path) -> RawRoster:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise RosterReadError("cannot_open", name=p.name) from exc
    return read_roster(data, p.name)


def read_roster(data: bytes, filename: str) -> RawRoster:
    """Read a roster file (.csv, .xlsx or .xls, detected from the content)."""
    try:
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        if not data or data.isspace():
            raise RosterReadError("empty")
        if data.startswith(_XLSX_MAGIC):
            return _read_workbook(data, "xlsx")
        if data.startswith(_OLE_MAGIC):
            if "EncryptedPackage".encode("utf-16-le") in data:   # an encrypted .xlsx
                raise RosterReadError("encrypted")
            return _read_workbook(data, "xls")
        return _read_csv(data)
    except RosterReadError:
        raise
    except Exception as exc:  # anything unexpected: one sentence, never a traceback
        raise RosterReadError("unreadable", name=filename or "") from exc


# --------------------------------------------------------------------------- CSV

def _byte_lines(buf: bytes, limit: int):
    """The lines of ``buf`` with their line ends ("\r\n", "\n" or a lone "\r")."""
    pos, n = 0, len(buf)
    while pos < n and pos < limit:
        m = _LINE_END.search(buf, pos)
        end = n if m is None else m.end()
        yield buf[pos:end]
        pos = end


def _head_end(body: bytes, base: int) -> int:
    """Where the bytes looked at for the header end: HEAD_BYTES * 4 after ``base``, or further when
    the first HEADER_SEARCH_ROWS lines are longer than that (a 300 KB title line), so that those
    lines are always whole; never between the two bytes of a "\r\n"."""
    end = min(len(body), base + HEAD_BYTES * 4)
    pos = base
    for _ in range(HEADER_SEARCH_ROWS):   # bounded by the length of the first lines
        m = _LINE_END.search(body, pos)
        if m is None:
            return len(body)
        pos = m.end()
    if pos > end:
        return pos
    if body[end - 1:end] == b"\r" and body[end:end + 1] == b"\n":
        end += 1
    return end


def _head_records(head: bytes, encoding: str, delimiter: str, complete: bool) -> tuple[list[list[str]], list[int]]:
    """The first records of the file and the byte offset just after each of them.

    ``complete``: ``head`` is the whole rest of the file (else its last line may be cut)."""
    consumed = [0]
    if not complete:  # never decode a line cut in the middle
        cut = max(head.rfind(b"\n"), head.rfind(b"\r"))
        if cut >= 0:
            head = head[:cut + 1]

    if len(head) > csv.field_size_limit():   # a title line longer than the csv module allows
        csv.field_size_limit(len(head))     # (process-wide; only ever raised)

    def lines():
        for line in _byte_lines(head, len(head)):
            consumed[0] += len(line)
            yield line.decode(encoding)

    records, offsets = [], []
    for rec in csv.reader(lines(), delimiter=delimiter):
        records.append(rec)
        offsets.append(consumed[0])
        if len(records) >= HEADER_SEARCH_ROWS:
            break
    return records, offsets


def _head_encoding(body: bytes) -> str:
    head = body[:HEAD_BYTES]
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) == len(body))
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=len(head) == len(body))
        return "gb18030"
    except UnicodeDecodeError:
        raise RosterReadError("not_table") from None


def _read_csv(data: bytes) -> RawRoster:
    # ``base``: where the text starts in ``body`` (after a BOM), kept as an offset so that a large
    # file is never copied before pyarrow reads it
    body, base = data, 0
    if data.startswith(codecs.BOM_UTF8):
        base, encoding = len(codecs.BOM_UTF8), "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            body, encoding = data.decode("utf-16").encode("utf-8"), "utf-16"
        except UnicodeDecodeError:
            raise RosterReadError("not_table") from None
    else:
        if b"\x00" in data:  # a binary file
            raise RosterReadError("not_table")
        encoding = _head_encoding(data)
    delimiters = _DELIMITERS
    hint = _SEP_HINT.match(body, base)
    if hint:  # Excel's sep=; line: that delimiter, and the line is not a row (Excel hides it)
        sep = hint.group(1).decode("latin-1")
        delimiters = (sep, *(d for d in _DELIMITERS if d != sep))
        base = hint.end()
    if _is_blank(body, base):
        raise RosterReadError("empty")
    lead = body[base:base + 4096].lstrip().lower()
    if lead.startswith(b"<"):
        if _XML_SPREADSHEET.search(lead):
            raise RosterReadError("xml_spreadsheet")
        if b"<html" in lead or _HTML_LEAD.match(lead):
            raise RosterReadError("html")
    head_enc = "gb18030" if encoding == "gb18030" else "utf-8"
    head_end = _head_end(body, base)

    # the delimiter: comma (or the sep= hint) unless another one lays out more of the required headers
    best = None
    for delim in delimiters:
        records, offsets = _head_records(body[base:head_end], head_enc, delim, head_end == len(body))
        score = max((_match_count(r) for r in records), default=0)
        if best is None or score > best[0]:
            best = (score, delim, records, offsets)
        if score == len(_required_fields()):
            break
    _, delim, records, offsets = best
    h = _find_header(records, whole=len(records) < HEADER_SEARCH_ROWS)
    headers, header_row, start = records[h], h + 1, base + offsets[h]

    if head_enc == "utf-8":
        try:
            table = _arrow_csv(body, start, len(headers), delim)
        except pa.ArrowInvalid as exc:
            if "utf8" not in str(exc).lower().replace("-", ""):
                raise
            if encoding != "utf-8":  # a BOM said otherwise
                raise RosterReadError("not_table") from None
            body, start, encoding = _to_utf8(body[start:]), 0, "gb18030"
            table = _arrow_csv(body, 0, len(headers), delim)
    else:
        body, start = _to_utf8(body[start:]), 0
        table = _arrow_csv(body, 0, len(headers), delim)

    if table is None:  # ragged rows: the stdlib parser, padding short rows, keeping extra cells
        table, headers = _python_csv(body[start:].decode("utf-8"), headers, delim)
    return _finish(table, headers, header_row, "csv", encoding, None)


def _is_blank(body: bytes, base: int) -> bool:
    head = body[base:base + HEAD_BYTES]
    if head and not head.isspace():
        return False
    return not body[base:].strip()


def _to_utf8(gb: bytes) -> bytes:
    try:
        return gb.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError:
        raise RosterReadError("not_table") from None


def _arrow_csv(body: bytes, start: int, width: int, delim: str) -> pa.Table | None:
    names = [f"c{i}" for i in range(width)]
    buf = pa.py_buffer(body)
    if start:
        buf = buf.slice(start)
    if buf.size == 0:
        return pa.table({n: pa.array([], pa.string()) for n in names})
    ragged = []

    def on_invalid(row):
        ragged.append(row.number)
        return "skip"

    table = pacsv.read_csv(
        pa.BufferReader(buf),
        read_options=pacsv.ReadOptions(column_names=names, use_threads=True, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(
            delimiter=delim,
            ignore_empty_lines=False,
            newlines_in_values=body.find(b'"', start) >= 0,
            invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        ),
    )
    if ragged:
        return None
    return table


def _python_csv(text: str, headers: list[str], delim: str) -> tuple[pa.Table, list[str]]:
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    width = max([len(headers), *map(len, rows)]) if rows else len(headers)
    headers = list(headers) + [""] * (width - len(headers))
    cols = []
    for j in range(width):
        cols.append(pa.array([(r[j] if j < len(r) and r[j] != "" else None) for r in rows], pa.string()))
    return pa.table(cols, names=[f"c{i}" for i in range(width)]), headers


# --------------------------------------------------------------------------- workbooks

def _read_workbook(data: bytes, kind: str) -> RawRoster:
    import python_calamine

    scan = None
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(wb.sheet_names)
        if not names:
            raise RosterReadError("empty")
        if ROSTER_SHEET in names:
            sheet_name = ROSTER_SHEET
        else:
            stripped = [n for n in names if n.strip() == ROSTER_SHEET]
            visible = [m.name for m in wb.sheets_metadata
                       if m.visible == python_calamine.SheetVisibleEnum.Visible
                       and m.typ == python_calamine.SheetTypeEnum.WorkSheet]
            sheet_name = (stripped or visible or names)[0]
        if kind == "xlsx":   # the sheet's error cells, looked for while calamine reads it
            scan = _Background(_xlsx_error_cells, data, sheet_name)
        rows = wb.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    except RosterReadError:
        raise
    except getattr(python_calamine, "PasswordError", ()) as exc:
        raise RosterReadError("encrypted") from exc
    except Exception as exc:
        # calamine says "Cannot detect file format" for a password-protected .xls read from memory
        if kind == "xls" and _xls_encrypted(data):
            raise RosterReadError("encrypted") from exc
        raise RosterReadError("corrupt_" + kind) from exc
    _put_error_cells(rows, scan.result() if scan is not None else _xls_error_cells(data, sheet_name))
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
    by_column = list(zip(*body)) if body else [()] * width
    cols = [_column_text(list(by_column[j]), kinds[j]) for j in range(width)]
    table = pa.table(cols, names=[f"c{i}" for i in range(width)]) if width else pa.table({})
    return _finish(table, headers, h + 1, kind, None, sheet_name)


# --- error cells (#N/A, #DIV/0! ...). python-calamine gives them as "", the same as an empty cell
# (python-calamine issue 105), so they are found in the file itself and put back as their text.

class _Background:
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


def _put_error_cells(rows: list, errors: dict) -> None:
    """Each error cell's text where calamine left the cell empty (rows start at A1)."""
    for (r, c), text in errors.items():
        if r < len(rows) and c < len(rows[r]) and rows[r][c] == "":
            rows[r][c] = text


_XML_CHUNK = 1 << 22
_XLSX_ERROR_MARKS = (b't="e"', b"t='e'")
_XLSX_CELL_REF = re.compile(rb"""\sr=["']([A-Z]{1,3})([0-9]{1,7})["']""")
_XLSX_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _xlsx_sheet_part(z: zipfile.ZipFile, sheet_name: str) -> str:
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


def _xlsx_error_cells(data: bytes, sheet_name: str) -> dict:
    """(row, column) -> error text (#N/A ...) of the cells of type "e" in the sheet's XML.

    The XML is read in pieces; a piece is searched only for the error marker (no parsing), and
    the few error cells found are read with a short pattern each."""
    out: dict = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z, z.open(_xlsx_sheet_part(z, sheet_name)) as f:
        keep, pending = b"", False   # pending: a cell of type "e" in ``keep`` is not complete yet
        while True:
            chunk = f.read(_XML_CHUNK)
            last = not chunk
            joint = keep[-8:] + chunk[:8]
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


def _xls_encrypted(data: bytes) -> bool:
    """The .xls workbook has a FILEPASS record (a password to open it)."""
    try:
        stream = _ole_stream(data, ("Workbook", "Book"))
        return stream is not None and _biff_globals(stream)[0]
    except Exception:
        return False


def _xls_error_cells(data: bytes, sheet_name: str) -> dict:
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


# --------------------------------------------------------------------------- common tail

def _finish(table: pa.Table, headers: list, header_row: int, kind: str, encoding, sheet) -> RawRoster:
    n = table.num_rows
    row_numbers = np.arange(header_row + 1, header_row + 1 + n, dtype=np.int64)
    blank = _blank_rows(table)
    blank_rows = len(blank)
    if blank_rows:
        mask = np.ones(n, dtype=bool)
        mask[blank] = False
        table = table.filter(pa.array(mask))
        row_numbers = row_numbers[mask]

    # columns with no header and no data are dropped (trailing empty cells in a header row)
    keep = [i for i, hd in enumerate(headers)
            if (hd is not None and str(hd).strip()) or table.column(i).null_count < table.num_rows]
    if len(keep) != len(headers):
        table = table.select(keep)
        headers = [headers[i] for i in keep]
    names, unknown = _column_names(headers)
    table = table.rename_columns(names)
    frame = table.to_pandas(types_mapper=_types_mapper, split_blocks=True, self_destruct=True)
    frame.index = pd.RangeIndex(len(frame))
    return RawRoster(frame, row_numbers, header_row, blank_rows, unknown, kind, encoding, sheet)


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
