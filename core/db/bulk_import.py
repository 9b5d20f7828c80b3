"""``python -m core import``: a roster evaluated and stored in batches of whole people, so that
memory follows the batch and not the roster.

The only rule that needs several rows of a roster together is the repeated ID number (the first
row of a person counts, later ones are errors quoting the first row's number), and the ledger
("paid once") is kept per person. So the rows are cut into batches that each hold ALL rows of
their people, and each batch is evaluated with its global row numbers (as ``core.partition``
does for a cluster), its ledger step done and its rows written before the next batch is built:

- **Batches by person key ranges.** A row's batch is the range its keyed ID hash
  (``core.db.ids``: HMAC of the normalised number, so "513226 1990…" and "５１３２２６1990…" are one
  person) falls in; rows without a number (error rows, never a repetition) are spread by row
  number. The ranges are taken in ascending order and each batch's ledger entries are written
  sorted by person (``core.db.bulk.ledger_table``), so one upload takes the ledger's index
  entries in ascending person order whatever the batch size: two concurrent uploads lock the
  same people in the same order, as when the whole roster was one batch.
- **One transaction.** The upload row first (its ``content_hash`` decides "the same rows
  again" before any row is written); then per batch: evaluated (``core.engine.evaluate_roster``
  on the batch's rows, the reader's cell issues carried over), limited to a district officer's
  district, keyed, the ledger step in a savepoint (``core.db.uploads._resolve_ledger``: a
  conflict with a concurrent upload redoes that batch's ledger step only), its rows written
  (COPY / executemany); last the upload's counts and the audit entry, then commit. On
  PostgreSQL a batch's ledger step and rows are done on a second thread while the next batch is
  evaluated (the server works while this process computes).

The digest of "the same rows" is the one the page computes (``core.db.dedup``) over the rows as
read, so a file stored from the page and imported on the command line is one upload.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.db import ids
from core.db.accounts import AccountError, User, can
from core.db.dedup import dedup_key
from core.db.models import ROW_ITEMS
from core.db.session import reading, utcnow
from core.db.uploads import (UploadSummary, _duplicate, _duplicate_summary, _resolve_ledger,
                             _summary_of, _write_rows, close_upload, open_upload, restrict_to_district,
                             stored_once)
from core.i18n import t

#: rows per batch (about): a batch's evaluation holds ~1.3 kB a row, so 100,000 rows ~130 MB
BATCH_ROWS = 100_000
_log = logging.getLogger(__name__)


class _Read:
    """What ``core.db.dedup`` reads of a result: the rows as read."""

    def __init__(self, raw):
        self.raw = raw


def batch_count(rows: int, batch_rows: int = BATCH_ROWS) -> int:
    return max(1, -(-int(rows) // max(1, int(batch_rows))))


def key_batches(keys: pd.Series, rows: np.ndarray, n: int) -> np.ndarray:
    """The batch (0 … n-1) of each row: the range of its person key (hex digits of a hash, evenly
    spread) among ``n`` ascending ranges, so batch order is person-key order; a row without a key
    goes to the batch of its row number."""
    out = np.asarray(rows, dtype=np.int64) % n
    has = keys.notna().to_numpy()
    if has.any():
        # the key's first 32 bits from its first 8 hex digits, on the whole column at once
        head = pa.array(keys[has].array, type=pa.large_string(), from_pandas=True)
        head = pc.utf8_slice_codeunits(head.combine_chunks() if isinstance(head, pa.ChunkedArray) else head, 0, 8)
        _, offsets, data = head.buffers()
        starts = np.frombuffer(offsets, np.int64)[head.offset:head.offset + len(head)]
        chars = np.frombuffer(data, np.uint8)[starts[:, None] + np.arange(8)]
        digits = np.where(chars >= ord("a"), chars - (ord("a") - 10), chars - ord("0")).astype(np.uint64)
        top = (digits << (np.uint64(4) * np.arange(7, -1, -1, dtype=np.uint64))).sum(axis=1, dtype=np.uint64)
        out[has] = ((top * np.uint64(n)) >> np.uint64(32)).astype(np.int64)
    return out


def _issues_of(issues, positions: np.ndarray, total: int):
    """The reader's cell issues of the rows at ``positions`` (of the whole roster), renumbered."""
    where = np.full(total, -1, dtype=np.int64)
    where[positions] = np.arange(len(positions))
    out = []
    for key, column, at in issues or ():
        mine = where[np.asarray(at, dtype=np.int64)]
        mine = mine[mine >= 0]
        if mine.size:
            out.append((key, column, np.sort(mine)))
    return out


def _sub_roster(raw, positions: np.ndarray):
    frame = raw.frame.iloc[positions].reset_index(drop=True)
    issues = _issues_of(raw.issues, positions, len(raw.frame))
    frame.attrs["reader_issues"] = issues
    return replace(raw, frame=frame, row_numbers=np.asarray(raw.row_numbers)[positions], issues=issues)


def _keyed_batch(result, user: User, keys: pd.Series, masked: pd.Series) -> pd.DataFrame:
    """``core.db.uploads._keyed`` of one batch, with the keys computed once for the roster."""
    frame = result.frame.copy(deep=False)
    if not can(user, "all_districts"):
        frame = restrict_to_district(frame, user.district)
    frame["person_key"] = pd.Series(keys.array, index=frame.index)          # positions: the batch's rows
    frame["id_number_masked"] = pd.Series(masked.array, index=frame.index)
    return frame


def _add(total: dict, part: dict, flagged: int) -> None:
    for k in ("rows", "valid", "errors", "total_to_worker", "total_payable_to_worker"):
        total[k] = total.get(k, 0) + part[k]
    for k in ("amounts", "payable"):
        into = total.setdefault(k, {})
        for item, v in part[k].items():
            into[item] = into.get(item, 0) + v
    total["flagged"] = total.get("flagged", 0) + flagged


def store_streaming(raw, data: bytes, user: User, filename: str, *, as_of: dt.date | None = None,
                    standards: dict | None = None, ip: str | None = None, source: str = "cli",
                    batch_rows: int = BATCH_ROWS, lang: str = "zh") -> UploadSummary:
    """Evaluate and store the roster ``raw`` (``core.reader``) batch by batch (see the module
    text); the same stored rows and ledger as ``store_upload`` of the whole roster evaluated."""
    if not can(user, "upload"):
        raise AccountError("db.permission_denied")
    as_of = as_of or dt.date.today()
    only = None if can(user, "all_districts") else user.district
    digest = dedup_key(_Read(raw), data, user)
    with reading() as conn:
        dup = _duplicate(conn, digest)
    if dup is not None:
        return _duplicate_summary(dup, user, filename, ip, lang)

    total_rows = len(raw.frame)
    rows = np.asarray(raw.row_numbers, dtype=np.int64)
    if "id_number" in raw.frame:
        keys, masked = ids.keyed_and_masked(raw.frame["id_number"])
    else:
        keys = masked = pd.Series(pd.NA, index=raw.frame.index, dtype="string")
    n = batch_count(total_rows, batch_rows)
    batch = key_batches(keys, rows, n)
    order = np.argsort(batch, kind="stable")          # row order within each batch
    bounds = np.searchsorted(batch[order], np.arange(n + 1))
    def write(conn) -> UploadSummary:
        now = utcnow()
        upload_id = open_upload(conn, user, filename, digest, len(data), total_rows, int(raw.blank_rows or 0),
                                False, as_of, now)
        summ: dict = {}
        _store_batches(conn, raw, user, keys, masked, order, bounds, upload_id, now, as_of, standards, only, summ)
        close_upload(conn, upload_id, {**summ, "rows": total_rows}, user=user, filename=filename, ip=ip,
                     digest=digest, source=source, demo=False)
        valid, errors, flagged = summ.get("valid", 0), summ.get("errors", 0), summ.get("flagged", 0)
        return UploadSummary(
            upload_id=upload_id, duplicate=False, rows=total_rows, valid=valid, errors=errors, flagged=flagged,
            total_to_worker=summ.get("total_to_worker", 0),
            message=t("db.upload.stored", lang, upload_id=upload_id, rows=total_rows, valid=valid, errors=errors,
                      flagged=flagged),
            uploaded_at=now, uploaded_by=user.name, amounts={i: summ.get("amounts", {}).get(i, 0) for i in ROW_ITEMS})

    return stored_once(write, digest, user, filename, ip, lang)


def _evaluate_batch(sub, user: User, keys: pd.Series, masked: pd.Series, as_of, standards, only) -> pd.DataFrame:
    """One batch evaluated and keyed, as ``store_upload`` keeps a result (``uploads._keyed``)."""
    from core.engine import evaluate_roster

    # no row summary (``reason``): roster_rows has no such column and nothing here reads it
    result = evaluate_roster(sub, as_of=as_of, standards=standards, only_district=only, row_reason=False)
    return _keyed_batch(result, user, keys, masked)


def _store_evaluated(conn, frame: pd.DataFrame, upload_id: int, now, summ: dict) -> None:
    """What the database does for one evaluated batch: its ledger step (in a savepoint, done
    again alone on a conflict), its counts, its rows."""
    adjusted = _resolve_ledger(conn, frame, upload_id, now)
    del frame
    _add(summ, _summary_of(adjusted), int(adjusted.attrs.get("flagged", 0)))
    _write_rows(conn, adjusted, upload_id)


class _Writer:
    """One batch's ledger step and rows done on another thread (PostgreSQL) while the next batch
    is evaluated: the server looks up, checks and takes in while this process computes, instead
    of in turn. The connection is never used by two threads at once: only the writer uses it, and
    the next writer starts after this one has ended."""

    def __init__(self, conn, frame: pd.DataFrame, upload_id: int, now, summ: dict):
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(conn, frame, upload_id, now, summ), daemon=True)
        self.thread.start()

    def _run(self, *args) -> None:
        try:
            _store_evaluated(*args)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            self.error = exc

    def wait(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


def _store_batches(conn, raw, user, keys, masked, order, bounds, upload_id, now, as_of, standards, only,
                   summ: dict) -> None:
    """Per batch: evaluated, its ledger step (in a savepoint), its rows written; on PostgreSQL a
    batch's ledger step and rows are done while the next one is evaluated."""
    overlap = conn.dialect.name == "postgresql"
    pending: _Writer | None = None
    try:
        for b in range(len(bounds) - 1):
            at = order[bounds[b]:bounds[b + 1]]
            if not at.size:
                continue
            frame = _evaluate_batch(_sub_roster(raw, at), user, keys.iloc[at], masked.iloc[at], as_of, standards, only)
            if pending is not None:
                pending, done = None, pending
                done.wait()
            if overlap:
                pending = _Writer(conn, frame, upload_id, now, summ)
            else:
                _store_evaluated(conn, frame, upload_id, now, summ)
            del frame
    finally:
        if pending is not None:          # never leave the connection in use (a rollback follows)
            pending.wait()
