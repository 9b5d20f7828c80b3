"""What a roster file may hold, and the cheap checks made before it is parsed (``core.reader``).

Excel's own limits (a sheet has at most 1,048,576 rows and 16,384 columns, a cell at most
32,767 characters) bound every roster; a roster needs far fewer columns, so a file is refused
beyond the limits below. The checks in :func:`precheck` only look at sizes the file declares
(zip members' uncompressed sizes, the sheet's ``<dimension ref>``, OLE stream sizes) and at the
bytes of a CSV file with numpy; they run in the server process before the file is handed to the
reading process (``core.reader_worker``), which has its own memory and time limits for whatever
a declared size does not show. docs/DESIGN.md lists them.
"""
from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.reader_base import RosterReadError, _header_of

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_CELL_CHARS = 32_767

#: columns of a roster sheet (the template has 15; officers add their own)
MAX_COLUMNS = 256
#: cells (rows x columns) of the used range a workbook sheet declares: calamine holds the whole
#: range in memory, some 150 bytes a cell once read (a 100,000-row sheet of 15 columns peaks at
#: 300 MB), so 5 million cells (250,000 rows of 20 columns) stay well inside the reading
#: process's 2 GB; a larger roster goes as CSV (up to Excel's 1,048,576 rows)
MAX_WORKBOOK_CELLS = 5_000_000
#: bytes of a workbook once unpacked (all zip members together), and of one OLE stream (.xls)
MAX_UNPACKED_MB = 1024
#: a zip member larger than 1 MiB packed more tightly than this is not a spreadsheet (zip bomb)
MAX_ZIP_RATIO = 100
#: bytes of a CSV file, and of one line of it
MAX_CSV_MB = 512
MAX_LINE_KB = 1024

_MB = 1 << 20
# a character of an XML text is at most 10 bytes (&#1114111;): a text longer than this many
# bytes between two tags holds more characters than an Excel cell can
_MAX_TEXT_BYTES = EXCEL_MAX_CELL_CHARS * 10
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=[\"']([A-Za-z]{1,4})?([0-9]{1,9})?(?::([A-Za-z]{1,4})([0-9]{1,9}))?[\"']")
_CHUNK = 1 << 24


def _mb(n: int) -> str:
    return f"{n / _MB:,.0f}"


def refuse_width(width: int) -> None:
    if width > MAX_COLUMNS:
        raise RosterReadError("too_many_columns", columns=f"{width:,}", limit=MAX_COLUMNS)


def check_rows(last_row: int) -> None:
    """The last row of the table (its Excel row number) within Excel's sheet."""
    if last_row > EXCEL_MAX_ROWS:
        raise RosterReadError("too_many_rows", rows=f"{last_row:,}", limit=f"{EXCEL_MAX_ROWS:,}")


def check_cell_lengths(table: pa.Table, row_numbers: np.ndarray) -> None:
    """No cell longer than Excel allows (bytes first: a cell of at most 32,767 bytes is fine)."""
    for name, col in zip(table.column_names, table.columns):
        if col.null_count == len(col) or pc.max(pc.binary_length(col)).as_py() <= EXCEL_MAX_CELL_CHARS:
            continue
        chars = pc.fill_null(pc.utf8_length(col), 0).to_numpy()
        at = np.flatnonzero(chars > EXCEL_MAX_CELL_CHARS)
        if at.size:
            raise RosterReadError("cell_too_long", row=int(row_numbers[at[0]]), header=_header_of(name),
                                  length=f"{int(chars[at[0]]):,}", limit=f"{EXCEL_MAX_CELL_CHARS:,}")


# --------------------------------------------------------------------------- before parsing

def precheck(data: bytes, preferred_sheet: str | None) -> None:
    """Refuse, from declared sizes and a numpy pass over the bytes, a file that holds more than a
    roster may; anything that cannot be told this way is left to the reader. ``preferred_sheet``:
    the sheet a workbook is read from when it has one of that name (else the first visible)."""
    if data.startswith(b"PK\x03\x04"):
        _check_xlsx(data, preferred_sheet)
    elif data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        _check_ole(data)
    else:
        check_csv(data)


def _check_xlsx(data: bytes, preferred_sheet: str | None) -> None:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except Exception:   # not a zip the reader can open either: it says so
        return
    total = sum(i.file_size for i in infos)
    if total > MAX_UNPACKED_MB * _MB:
        raise RosterReadError("unpacked_too_large", mb=_mb(total), limit=f"{MAX_UNPACKED_MB:,}")
    for i in infos:
        if i.file_size > _MB and i.file_size > MAX_ZIP_RATIO * max(i.compress_size, 1):
            raise RosterReadError("zip_bomb", part=i.filename, ratio=f"{i.file_size // max(i.compress_size, 1):,}")
    part = _sheet_part(z, preferred_sheet)
    if part is None:
        return
    with z.open(part) as f:
        head = f.read(64 * 1024)
    m = _DIMENSION.search(head)
    if m:
        _check_dimension(m)
    if "xl/sharedStrings.xml" in z.NameToInfo:
        _check_texts(z, "xl/sharedStrings.xml")


def _sheet_part(z: zipfile.ZipFile, preferred: str | None) -> str | None:
    """The zip member of the sheet the reader will read (``preferred``, else the first visible
    worksheet, as core.reader_workbook chooses); None when the workbook's parts cannot tell."""
    import xml.etree.ElementTree as ET

    from core.reader_cells import xlsx_sheet_part

    try:
        book = "xl/workbook.xml"
        # the parts parsed here, in the server process, are small in any real workbook
        if any(i.file_size > 8 * _MB for i in z.infolist() if i.filename == book or i.filename.endswith(".rels")):
            return None
        sheets = [(el.get("name"), el.get("state", "visible"))
                  for el in ET.fromstring(z.read(book)).iter() if el.tag.rpartition("}")[2] == "sheet"]
        names = [n for n, _ in sheets]
        if preferred in names:
            name = preferred
        else:
            stripped = [n for n in names if n and n.strip() == preferred]
            visible = [n for n, state in sheets if state == "visible"]
            name = (stripped or visible or names or [None])[0]
        return xlsx_sheet_part(z, name) if name is not None else None
    except Exception:
        return None


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _check_dimension(m: re.Match) -> None:
    """The used range the sheet declares, e.g. ``A1:XFD1048576``."""
    ref = m.group(0).split(b"=", 1)[1].strip(b"\"'").decode("ascii")
    first_col, first_row, last_col, last_row = m.groups()
    last_col, last_row = last_col or first_col, last_row or first_row
    if not last_col or not last_row:
        return
    cols, rows = _column_number(last_col), int(last_row)
    if cols > EXCEL_MAX_COLUMNS or rows > EXCEL_MAX_ROWS:
        raise RosterReadError("beyond_excel", ref=ref, rows=f"{EXCEL_MAX_ROWS:,}", columns=f"{EXCEL_MAX_COLUMNS:,}")
    refuse_width(cols)
    if cols * rows > MAX_WORKBOOK_CELLS:
        raise RosterReadError("too_many_cells", ref=ref, cells=f"{cols * rows:,}", limit=f"{MAX_WORKBOOK_CELLS:,}")


def _check_texts(z: zipfile.ZipFile, name: str) -> None:
    """No text between two tags of the part longer than an Excel cell can hold (read in pieces;
    the longest run without "<" found with numpy)."""
    run = 0   # length of the text run still open at the end of the previous piece
    with z.open(name) as f:
        while chunk := f.read(_CHUNK):
            lt = np.flatnonzero(np.frombuffer(chunk, np.uint8) == 0x3C)
            if lt.size == 0:
                run += len(chunk)
            else:
                longest = max(run + int(lt[0]), int(np.diff(lt).max(initial=0)), 0)
                run = len(chunk) - int(lt[-1]) - 1
                if longest > _MAX_TEXT_BYTES:
                    break
            if run > _MAX_TEXT_BYTES:
                break
        else:
            return
    raise RosterReadError("text_too_long", limit=f"{EXCEL_MAX_CELL_CHARS:,}")


def _check_ole(data: bytes) -> None:
    """The streams of an .xls (OLE2 compound file) no larger than a workbook may unpack to."""
    import olefile

    try:
        with olefile.OleFileIO(data) as ole:
            sizes = [ole.get_size(entry) for entry in ole.listdir(streams=True, storages=False)]
    except Exception:   # not an OLE file olefile can open: the reader says what it is
        return
    if sizes and max(sizes) > MAX_UNPACKED_MB * _MB:
        raise RosterReadError("unpacked_too_large", mb=_mb(max(sizes)), limit=f"{MAX_UNPACKED_MB:,}")


# --------------------------------------------------------------------------- CSV

def check_csv(data: bytes) -> None:
    """The size of a CSV file, its longest line and the cells of its widest line, in pieces of
    16 MiB with numpy. A line's cells are counted for each usual delimiter (comma, tab,
    semicolon, and Excel's ``sep=`` hint); the file is refused only when every one of them gives
    a line more cells than a roster has (a delimiter inside quotes is counted too, so this never
    refuses a file whose real delimiter lays it out within the limit)."""
    if len(data) > MAX_CSV_MB * _MB:
        raise RosterReadError("file_too_large", mb=_mb(len(data)), limit=f"{MAX_CSV_MB:,}")
    dtype, start = np.uint8, 0
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):   # UTF-16: count in 2-byte units
        dtype, start = np.dtype("<u2" if data[:2] == b"\xff\xfe" else ">u2"), 2
    units = np.frombuffer(data, dtype, count=(len(data) - start) // np.dtype(dtype).itemsize, offset=start)
    delims = [ord(d) for d in (",", "\t", ";")]
    hint = re.match(rb"(?:\xef\xbb\xbf)?sep=([\t\x20-\x7e])", data[:8])
    if hint and hint.group(1)[0] not in delims:
        delims.append(hint.group(1)[0])
    size = np.dtype(dtype).itemsize
    longest, last_nl = 0, -1
    widest = dict.fromkeys(delims, 0)
    carry = dict.fromkeys(delims, 0)    # delimiters of the line still open at the end of a piece
    step = _CHUNK // size
    for at in range(0, len(units), step):
        a = units[at:at + step]
        nl = np.flatnonzero((a == 10) | (a == 13)) + at
        if nl.size:
            here = int((np.diff(nl, prepend=last_nl) - 1).max())
            longest, last_nl = max(longest, here), int(nl[-1])
            if here < MAX_COLUMNS:
                # no line ending in this piece is long enough to hold more cells than a roster:
                # only the delimiters of the line still open at its end are counted
                tail = units[last_nl + 1:at + len(a)]
                carry = {d: int(np.count_nonzero(tail == d)) for d in delims}
                continue
        for d in delims:
            pos = np.flatnonzero(a == d) + at
            counts = np.bincount(np.searchsorted(nl, pos), minlength=nl.size + 1)
            counts[0] += carry[d]
            widest[d] = max(widest[d], int(counts.max()))
            carry[d] = int(counts[-1])
    longest = max(longest, len(units) - last_nl - 1)
    if longest * size > MAX_LINE_KB * 1024:
        raise RosterReadError("line_too_long", kb=f"{longest * size // 1024:,}", limit=f"{MAX_LINE_KB:,}")
    refuse_width(min(widest.values()) + 1)

