"""CSV rosters (``core.reader``): the encoding (UTF-8 with or without BOM, UTF-16 with BOM, GBK /
GB 18030), the delimiter, the header row, then the rows through ``pyarrow.csv``.

CSV goes through ``pyarrow.csv`` (all columns as strings, no per-row Python work); the header is
found in the first rows with the stdlib ``csv`` module. Lines may end in CRLF, LF or a lone CR
(old Mac Excel); Excel's ``sep=;`` first line sets the delimiter and is not a row. Ragged CSV files
fall back to the stdlib parser so that no row is ever lost.
"""
from __future__ import annotations

import codecs
import csv
import io
import re

import pyarrow as pa
import pyarrow.csv as pacsv

from core.reader_base import HEADER_SEARCH_ROWS, RawRoster, RosterReadError, _find_header, _finish, _match_count, _required_fields
from core.reader_limits import MAX_COLUMNS, refuse_width

#: bytes of a CSV file looked at to detect the encoding
HEAD_BYTES = 64 * 1024

_DELIMITERS = (",", "\t", ";")
# a line ends at "\r\n", "\n" or a lone "\r" (old Mac Excel); pyarrow reads all three
_LINE_END = re.compile(rb"\r\n?|\n")
# Excel's delimiter hint, a first line that Excel itself hides: sep=;
SEP_HINT = re.compile(rb"sep=([\t\x20-\x7e])(?:\r\n?|\n|$)", re.IGNORECASE)
# a web page saved with an .xls name (Excel's "Web Page" format), with or without <html>
_HTML_LEAD = re.compile(rb"<(?:!doctype\s+html|html|head|meta|body|table|style|title|link|script|div|tr|td|font|br|p)[\s>/]")
# Excel 2003 "XML Spreadsheet" (SpreadsheetML), often saved as .xls
_XML_SPREADSHEET = re.compile(rb"urn:schemas-microsoft-com:office:spreadsheet|progid\s*=\s*[\"']excel\.sheet[\"']")


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


def read_csv(data: bytes) -> RawRoster:
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
    if encoding != "gb18030" and not _valid_utf8(body, base):
        # the whole text checked once, before any of it is decoded: the first 64 KB said UTF-8,
        # what follows may not (and a ragged row that is not UTF-8 fails inside pyarrow's handler
        # of invalid rows, which prints "Exception ignored" instead of raising)
        if encoding != "utf-8":  # a BOM said UTF-8
            raise RosterReadError("not_table")
        encoding = "gb18030"
    delimiters = _DELIMITERS
    hint = SEP_HINT.match(body, base)
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
    best, too_wide = None, 0
    for delim in delimiters:
        try:
            records, offsets = _head_records(body[base:head_end], head_enc, delim, head_end == len(body))
        except UnicodeDecodeError:   # neither UTF-8 nor GB 18030 after all
            raise RosterReadError("not_table") from None
        # a delimiter that cuts a line into more cells than a roster has is not the delimiter
        # (and matching a million cells against the headers would take minutes)
        widest = max(map(len, records), default=0)
        too_wide = max(too_wide, widest) if widest > MAX_COLUMNS else too_wide
        score = -1 if widest > MAX_COLUMNS else max((_match_count(r) for r in records), default=0)
        if best is None or score > best[0]:
            best = (score, delim, records, offsets)
        if score == len(_required_fields()):
            break
    score, delim, records, offsets = best
    refuse_width(max(map(len, records), default=0) if score > 0 else max(too_wide, *map(len, records), 0))
    h = _find_header(records, whole=len(records) < HEADER_SEARCH_ROWS)
    headers, header_row, start = records[h], h + 1, base + offsets[h]

    if head_enc != "utf-8":
        body, start = _to_utf8(body[start:]), 0
    table = _arrow_csv(body, start, len(headers), delim)

    if table is None:  # ragged rows: the stdlib parser, padding short rows, keeping extra cells
        table, headers = _python_csv(body[start:].decode("utf-8"), headers, delim)
    return _finish(table, headers, header_row, "csv", encoding, None)


def _valid_utf8(body: bytes, start: int) -> bool:
    """``body[start:]`` is UTF-8 (pyarrow's check of a string array made over the bytes, no copy)."""
    buf = pa.py_buffer(body).slice(start)
    offsets = pa.array([0, buf.size], pa.int64()).buffers()[1]
    try:
        pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, buf]).cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


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
    refuse_width(width)
    headers = list(headers) + [""] * (width - len(headers))
    cols = []
    for j in range(width):
        cols.append(pa.array([(r[j] if j < len(r) and r[j] != "" else None) for r in rows], pa.string()))
    return pa.table(cols, names=[f"c{i}" for i in range(width)]), headers
