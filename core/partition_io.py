"""Rosters of any size in and out of partitions (``core.partition``), in bounded memory.

In: :func:`stage` streams a roster (CSV or Parquet) in batches into Parquet pieces, every row
with its global row number (``row``, the number Excel shows) and its person bucket, either one
piece per bucket (the local engine) or one piece per input batch (Dask and Spark shuffle them by
bucket). A UTF-8 CSV (with or without BOM) is read with ``pyarrow.csv.open_csv`` after the header
is found as ``core.reader_csv`` finds it (delimiter, ``sep=`` line, header row among the first
rows); blank rows are dropped and counted, cells longer than Excel allows refuse the file. Any
other file (GB 18030 or UTF-16 text, ragged rows, a workbook) is read whole by the ordinary reader
in its separate process with its limits, then staged the same way. A Parquet roster has its
header as column names (row 1) and its rows from row 2; its values are read as text. Excel's row
limit does not apply to the staged path (a CSV is not a sheet), nor the 512 MB file limit.

Out: :func:`merge_csv` writes one CSV merged by row number from the result pieces (each sorted
by ``row``), window by window, byte for byte the CSV of ``python -m core evaluate --format csv``;
the writing runs on a second thread while the next window is merged.
"""
from __future__ import annotations

import codecs
import json
import mmap
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from core.partition import BUCKET, ISSUE_SEP, ISSUES, PASSTHROUGH, ROW, output_columns, person_bucket
from core.reader_base import RosterReadError

import pandas as pd

_STRINGS = {pa.string(): pd.StringDtype("pyarrow")}
BATCH_ROWS = 1 << 18
MERGE_ROWS = 1 << 16
RESULT_ROW_GROUP = 8192     # rows; the merge holds about one group of every piece at a time
# pieces that only this program reads back once: written fast (no compression, no dictionaries)
PARQUET_FAST = {"compression": "none", "use_dictionary": False, "write_statistics": False}


@dataclass
class Staged:
    """What staging found: the pieces, the frame column name of each staged column (``c<i>``;
    None for a column dropped: no header and no data), and the blank rows dropped."""

    pieces: list[Path]
    names: dict[str, str]
    unknown: list[str]
    blank_rows: int = 0
    rows: int = 0
    fallback: bool = False
    extra: dict = field(default_factory=dict)


class _Fallback(Exception):
    """The streaming reader does not handle this file: the ordinary reader reads it whole."""


# --------------------------------------------------------------------------- reading in batches

def _csv_head(path: Path) -> tuple[int, list[str], int, str]:
    """(byte offset of the first data row, headers, header row number, delimiter) of a UTF-8 CSV,
    found as core.reader_csv finds them; _Fallback for anything else."""
    from core.reader_base import HEADER_SEARCH_ROWS, _find_header, _match_count, _required_fields
    from core.reader_csv import _DELIMITERS, HEAD_BYTES, SEP_HINT, _head_end, _head_records
    from core.reader_limits import MAX_COLUMNS, refuse_width

    with open(path, "rb") as fh:
        body = fh.read(HEAD_BYTES * 16)
        whole = not fh.read(1)
    base = 0
    if body.startswith(codecs.BOM_UTF8):
        base = len(codecs.BOM_UTF8)
    elif body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in body:
        raise _Fallback
    try:
        codecs.getincrementaldecoder("utf-8")().decode(body[:HEAD_BYTES], final=whole and len(body) <= HEAD_BYTES)
    except UnicodeDecodeError:
        raise _Fallback from None
    delimiters = _DELIMITERS
    hint = SEP_HINT.match(body, base)
    if hint:
        sep = hint.group(1).decode("latin-1")
        delimiters = (sep, *(d for d in _DELIMITERS if d != sep))
        base = hint.end()
    if not body[base:].strip() or body[base:base + 4096].lstrip().startswith(b"<"):
        raise _Fallback      # empty, or a web page / XML: the ordinary reader says which
    head_end = _head_end(body, base)
    if head_end >= len(body) and not whole:
        raise _Fallback      # header lines longer than the bytes looked at
    best = None
    for delim in delimiters:
        try:
            records, offsets = _head_records(body[base:head_end], "utf-8", delim, head_end == len(body) and whole)
        except UnicodeDecodeError:
            raise _Fallback from None
        widest = max(map(len, records), default=0)
        score = -1 if widest > MAX_COLUMNS else max((_match_count(r) for r in records), default=0)
        if best is None or score > best[0]:
            best = (score, delim, records, offsets)
        if score == len(_required_fields()):
            break
    score, delim, records, offsets = best
    if score <= 0:
        raise _Fallback
    refuse_width(max(map(len, records), default=0))
    h = _find_header(records, whole=len(records) < HEADER_SEARCH_ROWS)
    return base + offsets[h], records[h], h + 1, delim


def _has_quote(path: Path) -> bool:
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return False
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as m:
            return m.find(b'"') >= 0


def _csv_batches(path: Path, start: int, width: int, delim: str, threads: bool = True, block: int = 1 << 22):
    names = [f"c{i}" for i in range(width)]
    ragged = []

    def on_invalid(row):
        ragged.append(row.number)
        return "skip"

    src = pa.OSFile(str(path))
    src.seek(start)
    reader = pacsv.open_csv(
        src,
        read_options=pacsv.ReadOptions(column_names=names, use_threads=threads, block_size=block),
        parse_options=pacsv.ParseOptions(delimiter=delim, ignore_empty_lines=False,
                                         newlines_in_values=_has_quote(path), invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True,
                                             null_values=[""], quoted_strings_can_be_null=True),
    )
    try:
        for batch in reader:
            if ragged:
                raise _Fallback
            yield pa.Table.from_batches([batch])
    except pa.ArrowInvalid:    # not UTF-8 after all
        raise _Fallback from None
    if ragged:
        raise _Fallback


def _parquet_batches(path: Path):
    pf = pq.ParquetFile(str(path))
    headers = list(pf.schema_arrow.names)
    names = [f"c{i}" for i in range(len(headers))]

    def batches():
        for batch in pf.iter_batches(batch_size=BATCH_ROWS):
            cols = [c if pa.types.is_string(c.type) else c.cast(pa.string()) for c in batch.columns]
            yield pa.Table.from_arrays(cols, names=names)

    return headers, 1, batches()


def _whole_file(path: Path):
    """A file the streaming reader does not handle: the ordinary reader, in its separate process.
    The cells it found wrong travel in an ``_issues`` column (core.partition.ISSUES)."""
    from core.reader import read_path_isolated

    raw = read_path_isolated(path)[1]
    frame = raw.frame.copy(deep=False)
    frame.attrs = {}       # the issues travel in their own column (below)
    names = [f"c{i}" for i in range(frame.shape[1])]
    table = pa.Table.from_pandas(frame, preserve_index=False).rename_columns(names) if names else pa.table({})
    table = table.cast(pa.schema([pa.field(c, pa.string()) for c in names]), safe=False) if names else table
    marks = np.full(len(frame), None, dtype=object)
    for k, (key, column, positions) in enumerate(raw.issues):
        for at in np.asarray(positions, dtype=np.int64):
            tag = f"{k}:{key}:{column}"
            marks[at] = tag if marks[at] is None else marks[at] + ISSUE_SEP + tag
    table = table.append_column(ISSUES, pa.array(marks, pa.string()))
    return list(frame.columns), raw.unknown_columns, raw.blank_rows, table, np.asarray(raw.row_numbers, np.int64)


def _prepare(table: pa.Table, header_row: int, first: int) -> tuple[pa.Table, int]:
    """One batch: row numbers, blank rows dropped (their count), cells checked."""
    from core.reader_base import _blank_rows
    from core.reader_limits import check_cell_lengths

    rows = np.arange(header_row + 1 + first, header_row + 1 + first + table.num_rows, dtype=np.int64)
    blank = _blank_rows(table)
    if len(blank):
        keep = np.ones(table.num_rows, dtype=bool)
        keep[blank] = False
        table, rows = table.filter(pa.array(keep)), rows[keep]
    check_cell_lengths(table, rows)
    return table.append_column(ROW, pa.array(rows)), len(blank)


class Numbered:
    """The batches with their row numbers (``ROW``), in order: from the streaming reader, counted
    from ``header_row`` by :func:`_prepare` (blank rows dropped and counted in ``blank_rows``,
    cells checked); from the ordinary reader (the whole file, already checked), taken from
    ``rows``, its row numbers."""

    def __init__(self, batches, header_row: int, rows: np.ndarray | None = None) -> None:
        self.batches, self.header_row, self.rows = batches, header_row, rows
        self.blank_rows = 0

    def __iter__(self):
        seen = 0
        for table in self.batches:
            if self.rows is None:
                table, blank = _prepare(table, self.header_row, seen + self.blank_rows)
                self.blank_rows += blank
            else:
                table = table.append_column(ROW, pa.array(self.rows[seen:seen + table.num_rows]))
            seen += table.num_rows
            yield table


def _sliced(batches, rows: int):
    """The batches cut into tables of at most ``rows`` rows (the input partitions of a cluster)."""
    for table in batches:
        for start in range(0, max(table.num_rows, 1), rows):
            yield table.slice(start, rows)


def stage(path, work: Path, n: int, by_bucket: bool, batch_rows: int = BATCH_ROWS) -> Staged:
    """Stream the roster at ``path`` into Parquet pieces under ``work`` (see the module)."""
    from core.reader_base import _column_names

    path = Path(path)
    try:
        if not path.is_file():
            raise RosterReadError("not_a_file" if path.exists() else "cannot_open", name=path.name)
        if path.suffix.lower() == ".parquet":
            headers, header_row, batches = _parquet_batches(path)
        else:
            start, headers, header_row, delim = _csv_head(path)
            batches = _csv_batches(path, start, len(headers), delim)
        return _write_pieces(headers, header_row, _sliced(batches, batch_rows), work, n, by_bucket, _column_names)
    except _Fallback:
        pass
    except pa.ArrowInvalid:
        raise RosterReadError("unreadable", name=path.name) from None
    names, unknown, blank_rows, table, rows = _whole_file(path)
    staged = _write_pieces(names, 0, _sliced([table], batch_rows), work, n, by_bucket, None, rows=rows)
    staged.names = {f"c{i}": name for i, name in enumerate(names)}
    staged.unknown, staged.blank_rows, staged.fallback = unknown, blank_rows, True
    return staged


def _write_pieces(headers, header_row, batches, work: Path, n: int, by_bucket: bool, namer, rows=None) -> Staged:
    folder = work / "in"
    folder.mkdir(parents=True, exist_ok=True)
    writers: dict[int, pa.ipc.RecordBatchFileWriter] = {}
    pieces: list[Path] = []
    has_data = np.zeros(len(headers), dtype=bool)
    total = 0
    id_col = None
    numbered = Numbered(batches, header_row, rows)
    try:
        for k, table in enumerate(numbered):
            if id_col is None:
                id_col = _id_column(headers, namer)
            has_data |= np.array([table.column(i).null_count < table.num_rows for i in range(len(headers))], dtype=bool)
            ids = table.column(id_col) if id_col is not None else pa.nulls(table.num_rows, pa.string())
            bucket = person_bucket(ids.to_pandas(types_mapper=_STRINGS.get), n, table.column(ROW).to_numpy())
            total += table.num_rows
            if not by_bucket:
                piece = folder / f"part-{k:05d}.parquet"
                pq.write_table(table.append_column(BUCKET, pa.array(bucket)), piece, **PARQUET_FAST)
                pieces.append(piece)
                continue
            order = np.argsort(bucket, kind="stable")
            sorted_buckets = bucket[order]
            table = table.take(pa.array(order))
            cuts = np.flatnonzero(np.diff(sorted_buckets)) + 1
            for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(order)]):
                if hi <= lo:
                    continue
                b = int(sorted_buckets[lo])
                if b not in writers:
                    writers[b] = pa.ipc.new_file(str(folder / f"bucket-{b:05d}.arrow"), table.schema)
                writers[b].write_table(table.slice(lo, hi - lo))
        for b, w in sorted(writers.items()):
            w.close()
            pieces.append(folder / f"bucket-{b:05d}.arrow")
    except BaseException:     # a file the streaming reader gives up on half way: no piece stays
        for b, w in writers.items():
            try:
                w.close()
            except Exception:    # already closed
                pass
            (folder / f"bucket-{b:05d}.arrow").unlink(missing_ok=True)
        for piece in pieces:
            piece.unlink(missing_ok=True)
        raise
    if namer is None:
        return Staged(pieces, {}, [], numbered.blank_rows, total)
    # columns with no header and no data are dropped, as the reader drops them (whole file)
    keep = [i for i, hd in enumerate(headers) if (hd is not None and str(hd).strip()) or has_data[i]]
    names, unknown = namer([headers[i] for i in keep])
    return Staged(pieces, {f"c{i}": name for i, name in zip(keep, names)}, unknown, numbered.blank_rows, total)


def _id_column(headers, namer) -> int | None:
    if namer is None:
        return headers.index("id_number") if "id_number" in headers else None
    names, _ = namer(list(headers))
    return names.index("id_number") if "id_number" in names else None


def named(frame, names: dict[str, str]):
    """A staged piece (``c<i>`` columns) as the reader names its columns, with ``row``."""
    cols = [c for c in frame.columns if c in names]
    extra = [ROW] + ([ISSUES] if ISSUES in frame.columns else [])
    out = frame[cols + extra]
    out.columns = [names[c] for c in cols] + extra
    return out


# --------------------------------------------------------------------------- writing

def _headers(keys: list[str], lang: str) -> list[str]:
    """The download's headers of ``keys`` (core.output.export_frame's, own columns last)."""
    from core.i18n import t
    from core.output import export_columns

    headers = dict(export_columns(lang))
    out, used = [], set()
    for k in keys:
        if k.startswith(PASSTHROUGH):
            header = k[len(PASSTHROUGH):]
            while header in used:
                header = t("output.passthrough", lang, name=header)
        else:
            header = headers[k]
        used.add(header)
        out.append(header)
    return out


def read_piece(path, columns=None) -> pa.Table:
    """A piece: Arrow IPC (``.arrow``, memory-mapped) or Parquet."""
    path = str(path)
    if path.endswith(".arrow"):
        table = pa.ipc.open_file(pa.memory_map(path)).read_all()
        return table.select(columns) if columns is not None else table
    return pq.read_table(path, columns=columns)


def write_piece(table: pa.Table, path) -> None:
    path = str(path)
    if path.endswith(".arrow"):
        with pa.ipc.new_file(path, table.schema) as writer:
            writer.write_table(table, max_chunksize=RESULT_ROW_GROUP)
    else:
        pq.write_table(table, path, row_group_size=RESULT_ROW_GROUP)


def batches(path, columns):
    """The record batches of a piece, in order, with only ``columns``."""
    path = str(path)
    if path.endswith(".arrow"):
        with pa.OSFile(path) as src:
            reader = pa.ipc.open_file(src)
            for i in range(reader.num_record_batches):
                batch = reader.get_batch(i)
                yield batch.select(columns)
        return
    yield from pq.ParquetFile(path).iter_batches(batch_size=RESULT_ROW_GROUP, columns=columns)


def _sorted_windows(files: list[Path], columns: list[str]):
    """Tables of consecutive row ranges merged from the files (each sorted by ``row``)."""
    iters = [batches(f, columns) for f in files]
    buffers: list[list[pa.RecordBatch]] = [[] for _ in files]
    last = np.full(len(files), -1, dtype=np.int64)
    done = np.zeros(len(files), dtype=bool)
    low = 0
    while True:
        high = low + MERGE_ROWS
        parts = []
        for i, it in enumerate(iters):
            while not done[i] and last[i] < high:
                batch = next(it, None)
                if batch is None:
                    done[i] = True
                elif batch.num_rows:
                    buffers[i].append(batch)
                    last[i] = batch.column(ROW)[-1].as_py()
            keep = []
            for batch in buffers[i]:
                rows = batch.column(ROW).to_numpy()
                cut = int(np.searchsorted(rows, high))
                if cut:
                    parts.append(batch.slice(0, cut))
                if cut < batch.num_rows:
                    keep.append(batch.slice(cut))
            buffers[i] = keep
        if parts:
            table = pa.Table.from_batches(parts)
            order = np.argsort(table.column(ROW).to_numpy(), kind="stable")
            yield table.take(pa.array(order))
        if done.all() and not any(buffers):
            return
        low = high


def merge_csv(files: list[Path], out, keys: list[str], summary: dict, lang: str = "zh") -> int:
    """One CSV, merged by row number, as ``python -m core evaluate --format csv`` writes it."""
    from core.cells import keep_digits_table
    from core.i18n import t
    from core.output import BOM, _day
    import datetime as dt

    deadline = dt.date.fromisoformat(summary["claim_deadline"])
    open_word, closed_word = t("output.claim_open", lang), t("output.claim_closed", lang, deadline=_day(deadline, lang))
    headers = _headers(keys, lang)
    at = keys.index("claim_closed")
    written = 0
    schema = None
    with open(out, "wb") as fh, ThreadPoolExecutor(max_workers=1) as pool:
        fh.write(BOM)
        sink = pa.PythonFile(fh, mode="w")
        writer = pending = None
        for table in _sorted_windows(files, keys):
            closed = pc.if_else(table.column(at), pa.scalar(closed_word), pa.scalar(open_word))
            table = keep_digits_table(table.set_column(at, "claim_closed", closed).rename_columns(headers))
            if writer is None:
                schema = table.schema
                writer = pacsv.CSVWriter(sink, schema, write_options=pacsv.WriteOptions(batch_size=4096))
            if pending is not None:
                pending.result()
            pending = pool.submit(writer.write_table, table.cast(schema))
            written += table.num_rows
        if pending is not None:
            pending.result()
        if writer is None:      # no row at all: the header only
            empty = pa.Table.from_arrays([pa.array([], pa.string())] * len(headers), names=headers)
            pacsv.write_csv(empty, sink)
        else:
            writer.close()
        sink.flush()
    return written


def write_summary(path: Path, summary: dict) -> None:
    Path(path).write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")


def keys_for(unknown: list[str]) -> list[str]:
    return output_columns(unknown)
