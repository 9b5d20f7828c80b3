"""The local engine for a CSV result: the roster in contiguous batches of rows, no staging by
person and no merge (``python -m core evaluate ROSTER --out X.csv --partitions N``).

The only rule that needs several rows of a person together is the repeated ID number: the first
row counts, later ones are errors quoting the first row's number (ROSTER.md). A repeat depends
only on the rows BEFORE it, so one pass in file order finds them all:

1. this process streams the roster in batches (``core.partition_io``: the reader's header,
   blank-row and cell rules; a file the streaming reader does not handle is read whole by the
   ordinary reader and cut the same way), checks each batch's ID numbers as ``core.validate``
   does (``core.idnumber.check_ids``) and looks each valid number up in :class:`FirstRows`, the
   first row of every person seen so far: per row, the first row's number when it repeats an
   earlier one, else -1 (``core.validate.validate(repeats=…)``);
2. each batch goes to a worker process as an Arrow file with those numbers; the worker
   evaluates it (``core.partition.export_table``) and writes its part of the CSV, header only in
   the first; the parsers keep what they read across a worker's batches
   (``core.normalize.remember_parsed``: the same dates and districts come back in every batch);
3. this process appends the parts to the output in order while the next batches are read and
   evaluated, at most a few batches ahead (memory does not grow with the file).

The words of 兑现状态 for a closed row quote the roster's claim deadline, the latest of the
policies its rows are under: the workers assume the latest policy's; when the roster turns out
to use only earlier ones, the batches are written again with the right one (rare: several
policies in force and none of the file's rows under the newest).

A roster with a column that has no header is left to ``core.partition_run``'s bucketed path:
whether such a column is kept (it has data somewhere) is known only at the end of the file.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import tempfile
from collections import deque
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from core import partition
from core.partition_io import (ISSUES, ROW, Numbered, _csv_batches, _csv_head, _Fallback, _parquet_batches,
                               _whole_file)
from core.reader_base import RosterReadError

log = logging.getLogger(__name__)
BATCH_ROWS = 65_536   # rows; a batch costs a worker about 26 ms of CPU plus 2.7 µs a row, and about 3 MB a 1,000 rows
_STRINGS = {pa.string(): pd.StringDtype("pyarrow")}


class FirstRows:
    """The first row number of every person (a valid ID number as one integer,
    ``core.idnumber.IdCheck.person``) met so far, in sorted runs merged as they grow (memory:
    16 bytes a person; a look-up a binary search per run, at most about log2 of the batches)."""

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []

    def repeats(self, person: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Per row: the first row of its person when an earlier row (in this batch or before)
        has the same ``person`` (-1: no valid number), else -1; the batch's new people added."""
        out = np.full(len(person), -1, dtype=np.int64)
        at = np.flatnonzero(person >= 0)
        if not at.size:
            return out
        keys = person[at]
        codes, uniques = pd.factorize(keys, sort=True)     # sorted: the look-ups below walk in order
        first_at = np.full(len(uniques), len(keys), dtype=np.int64)
        np.minimum.at(first_at, codes, np.arange(len(keys)))
        first = rows[at][first_at]                      # each person's first row in this batch
        known = np.zeros(len(uniques), dtype=bool)
        for run_keys, run_rows in self.runs:
            pos = np.searchsorted(run_keys, uniques)
            hit = pos < len(run_keys)
            hit[hit] = run_keys[pos[hit]] == uniques[hit]
            hit &= ~known
            first[hit] = run_rows[pos[hit]]
            known |= hit
        per_row = first[codes]
        out[at] = np.where(per_row != rows[at], per_row, -1)
        new = ~known
        self.runs.append((uniques[new].astype(np.int64), first[new]))
        while len(self.runs) > 1 and len(self.runs[-1][0]) * 2 >= len(self.runs[-2][0]):
            (k2, r2), (k1, r1) = self.runs.pop(), self.runs.pop()
            self.runs.append(_merged(k1, r1, k2, r2))
        return out


def _merged(k1, r1, k2, r2) -> tuple[np.ndarray, np.ndarray]:
    """Two sorted runs with no key in common as one (no sort: each key of the second run goes
    where it belongs among the first; memory: the merged run and a byte a key)."""
    at = np.searchsorted(k1, k2) + np.arange(len(k2))
    keys = np.empty(len(k1) + len(k2), dtype=k1.dtype)
    rows = np.empty(len(keys), dtype=r1.dtype)
    rest = np.ones(len(keys), dtype=bool)
    rest[at] = False
    keys[at], rows[at] = k2, r2
    keys[rest], rows[rest] = k1, r1
    return keys, rows


def _worker_init() -> None:
    from core.normalize import remember_parsed

    remember_parsed(True)


def _evaluate_batch(piece: str, names: dict, repeats: np.ndarray, ids, as_of: dt.date, only_district,
                    deadline: dt.date, header: bool, out: str) -> dict:
    """In a worker: one batch evaluated and written as its part of the CSV; its summary."""
    from core.cells import keep_digits_table
    from core.i18n import t
    from core.output import _day
    from core.partition_io import _headers

    with pa.memory_map(piece) as src:
        raw = pa.ipc.open_file(src).read_all()
    keep = [c for c in raw.column_names if c in names or c in (ROW, ISSUES)]
    raw = raw.select(keep).rename_columns([names.get(c, c) for c in keep])
    # every batch had its cells' lengths checked before it came here: by _prepare (the streaming
    # reader) or by the ordinary reader (_whole_file)
    table, summary = partition.export_table(raw, as_of, only_district=only_district, repeats=repeats, ids=ids,
                                            lengths_checked=True)
    del raw
    at = table.schema.get_field_index("claim_closed")
    words = pa.array([t("output.claim_open"), t("output.claim_closed", deadline=_day(deadline, "zh"))])
    closed = words.take(pa.array(table.column(at).to_numpy(zero_copy_only=False).astype(np.int8)))
    table = table.set_column(at, "claim_closed", closed)
    table = keep_digits_table(table.rename_columns(_headers(table.column_names, "zh")))
    with open(out, "wb") as fh:
        pacsv.write_csv(table, fh, write_options=pacsv.WriteOptions(include_header=header, batch_size=4096))
    os.unlink(piece)
    del table
    pa.default_memory_pool().release_unused()      # the batch's blocks back to the system
    return summary


def _as_read(column, rows: np.ndarray) -> pa.ChunkedArray:
    """The ID column as the worker reads it (``core.reader_base._control_characters``: a control
    character shown as U+FFFD), so that a number valid here is valid there; its cells' lengths
    were checked with the batch's."""
    from core.reader_base import _control_characters

    return _control_characters(pa.table({"id": column}), rows, lengths=False)[0].column(0)


def _append(part: Path, sink) -> None:
    """The file ``part`` appended to ``sink`` (copied by the kernel where it can)."""
    sink.flush()
    with open(part, "rb") as src:
        size = os.fstat(src.fileno()).st_size
        done = 0
        try:
            while done < size:
                step = os.copy_file_range(src.fileno(), sink.fileno(), size - done)
                if step <= 0:
                    break
                done += step
        except (AttributeError, OSError):     # no such call here: Python copies the rest
            pass
        if done < size:
            src.seek(done)
            sink.seek(0, os.SEEK_END)
            shutil.copyfileobj(src, sink, 1 << 22)


def _latest_deadline() -> dt.date:
    from core import reference

    return max(p["claim_deadline"] for p in reference.policies())


def _batches(path: Path, batch_rows: int):
    """(headers, header row, batches) of the streaming reader, or _Fallback."""
    if path.suffix.lower() == ".parquet":
        headers, header_row, batches = _parquet_batches(path)
    else:
        start, headers, header_row, delim = _csv_head(path)
        batches = _csv_batches(path, start, len(headers), delim, threads=False, block=1 << 20)
    return headers, header_row, _gathered(batches, batch_rows)


def _gathered(tables, rows: int):
    """The reader's blocks cut and gathered into tables of exactly ``rows`` rows (the last one
    fewer; one empty table for a file of no rows): fewer, larger batches than the reader's blocks
    (each batch costs the engine a fixed overhead)."""
    held, count, last, given = [], 0, None, False
    for table in tables:
        last = table
        while table.num_rows:
            take = min(rows - count, table.num_rows)
            held.append(table.slice(0, take))
            count += take
            table = table.slice(take)
            if count == rows:
                yield pa.concat_tables(held)
                held, count, given = [], 0, True
    if held:
        yield pa.concat_tables(held)
    elif not given and last is not None:
        yield last.slice(0, 0)


def streams(path) -> bool:
    """Whether :func:`evaluate_csv` takes this roster (else the bucketed path): every column has
    a header (read from the file's head; a file the streaming reader leaves to the ordinary
    reader also streams)."""
    path = Path(path)
    try:
        headers = _batches(path, BATCH_ROWS)[0] if path.is_file() else [""]
    except (_Fallback, RosterReadError, pa.ArrowInvalid, OSError):
        return True
    return all(h is not None and str(h).strip() for h in headers)


def evaluate_csv(path, out, as_of: dt.date | None = None, only_district: str | None = None, work=None,
                 workers: int | None = None, batch_rows: int = BATCH_ROWS) -> dict:
    """The roster at ``path`` evaluated into the CSV ``out``, byte for byte what
    ``python -m core evaluate --format csv`` writes; returns the summary."""
    from core.partition_run import _local_pool

    as_of = as_of or dt.date.today()
    path = Path(path)
    if not path.is_file():
        raise RosterReadError("not_a_file" if path.exists() else "cannot_open", name=path.name)
    folder = Path(tempfile.mkdtemp(prefix="roster-stream-", dir=work))
    pool = _local_pool(workers or min(2, os.cpu_count() or 1), initializer=_worker_init)
    try:
        deadline = _latest_deadline()
        for _ in range(2):
            summary = _run(path, Path(out), folder, pool, as_of, only_district, batch_rows, deadline)
            if summary["claim_deadline"] == deadline.isoformat():
                return summary
            deadline = dt.date.fromisoformat(summary["claim_deadline"])   # the file's own (see the module)
        return summary
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        else:                     # one worker: the batches ran here; what they remembered goes with them
            from core.normalize import remember_parsed

            remember_parsed(False)
        shutil.rmtree(folder, ignore_errors=True)


def _run(path: Path, out: Path, folder: Path, pool, as_of, only_district, batch_rows, deadline) -> dict:
    from core.reader_base import _column_names

    try:
        headers, header_row, batches = _batches(path, batch_rows)
        names, unknown = _column_names(list(headers))
        return _pipeline(batches, header_row, None, names, unknown, 0, out, folder, pool, as_of, only_district,
                         deadline)
    except (_Fallback, pa.ArrowInvalid):    # the ordinary reader decides (a header and no row: a result)
        pass
    names, unknown, blank_rows, table, rows = _whole_file(path)
    return _pipeline(_gathered([table], batch_rows), 0, rows, names, unknown, blank_rows,
                     out, folder, pool, as_of, only_district, deadline)


def _pipeline(batches, header_row, rows, names, unknown, blank_rows, out: Path, folder: Path, pool, as_of,
              only_district, deadline) -> dict:
    """Read, find repeats, hand out, append in order (see the module)."""
    from core.idnumber import check_ids

    staged = {f"c{i}": name for i, name in enumerate(names)}
    id_col = names.index("id_number") if "id_number" in names else None
    first_rows = FirstRows()
    ahead = 2 * (getattr(pool, "_max_workers", 1) or 1) + 1
    pending: deque = deque()
    parts: list[dict] = []
    numbered = Numbered(batches, header_row, rows)
    with open(out, "wb") as sink:
        from core.output import BOM

        sink.write(BOM)

        def append_oldest() -> None:
            future, part = pending.popleft()
            parts.append(future.result() if pool is not None else future)
            _append(part, sink)
            os.unlink(part)

        try:
            for k, table in enumerate(numbered):
                if not table.num_rows and k:
                    continue
                row_numbers = table.column(ROW).to_numpy()
                ids = (_as_read(table.column(id_col), row_numbers).to_pandas(types_mapper=_STRINGS.get)
                       if id_col is not None else pd.Series([None] * table.num_rows, dtype="string"))
                checked = check_ids(ids, as_of)      # as the worker's validate sees them (below)
                person = np.where(checked.flags == 0, checked.person, -1)
                repeats = first_rows.repeats(person, row_numbers)
                piece, part = folder / f"in-{k:06d}.arrow", folder / f"out-{k:06d}.csv"
                keep = [c for c in table.column_names if c in staged or c in (ROW, ISSUES)]
                with pa.ipc.new_file(str(piece), table.schema) as writer:
                    writer.write_table(table)
                del table
                pa.default_memory_pool().release_unused()
                args = (str(piece), {c: staged[c] for c in keep if c in staged}, repeats, checked, as_of,
                        only_district, deadline, k == 0, str(part))
                if pool is None:
                    pending.append((_evaluate_batch(*args), part))
                else:
                    pending.append((pool.submit(_evaluate_batch, *args), part))
                while len(pending) > ahead or (pending and pool is not None and pending[0][0].done()):
                    append_oldest()
            while pending:
                append_oldest()
        except BaseException:     # e.g. the streaming reader gives up half way: no worker left writing
            for future, _ in pending:
                if pool is not None and not future.cancel():
                    try:
                        future.result()
                    except Exception:     # noqa: BLE001 - the first failure is the one raised
                        pass
            raise
    if not parts:         # no row at all: the header only
        from core.partition_io import merge_csv

        merge_csv([], out, partition.output_columns(unknown), {"claim_deadline": deadline.isoformat()})
    blank_rows += numbered.blank_rows     # the ordinary reader's (whole file), or the streaming reader's
    return partition.combine_summaries(parts, as_of, blank_rows)
