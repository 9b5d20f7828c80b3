"""Uploads: each roster an officer sends, its evaluated rows, and the ledger of what was granted.

- The same rows (a SHA-256 of what was read, not of the bytes) from the same scope (the district
  of a district officer, the city for city-wide roles) are kept once while not withdrawn
  (``dedup_key``): a second upload changes nothing and says when and by whom the first was made.
- A district officer stores its own district's rows only: rows of another district in its file
  become error rows (kept, like every row).
- What an earlier upload that is not withdrawn already paid the same person (``core.db.ledger``) (same keyed ID hash)
  is set to 0 with a warning, by how often the item pays (``core.items``): a one-time item once,
  the skill subsidy once per level, a monthly item (rent, employer social insurance) only for the
  months not yet paid (the roster's months are cumulative since first employment, so the months
  already paid are subtracted). The ledger table ``payments`` has a unique index per person, item
  and seq (the level, or the slice of months) among active entries, so two concurrent uploads
  cannot both pay: the loser's ledger step (in a savepoint, before its rows are written) fails,
  is undone and done again, and then sees the other's payment; its rows are written once, after
  it (``core.db.bulk``: COPY on PostgreSQL, executemany in batches on SQLite).
  Only what is payable on the day of the check enters the ledger (nothing after the deadline).
- A withdrawal marks the upload and releases its ledger entries; no row is ever deleted.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, false, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from core.db import audit, bulk, ids
from core.db.accounts import AccountError, User, can
from core.db.dedup import dedup_key
from core.db.lookups import audit_lookup
from core.db.models import ROW_ITEMS, payments, roster_rows, uploads
from core.db.session import bulk_transaction, reading, transaction, utcnow
from core.i18n import t
from core.db.ledger import append_texts, apply_prior_payments
from core.rules import STATUSES

MAX_ATTEMPTS = 8
_log = logging.getLogger(__name__)
CATEGORIES = ("paired_four", "other_central_western", "not_counted")
_ROW_COLUMNS = bulk.ROW_COLUMNS
_INT_COLUMNS = bulk.INT_COLUMNS
_NULLABLE_INT = bulk.NULLABLE_INT
_DATE_COLUMNS = bulk.DATE_COLUMNS

@dataclass
class UploadSummary:
    upload_id: int
    duplicate: bool
    rows: int
    valid: int
    errors: int
    flagged: int
    total_to_worker: int
    message: str
    result: object = None           # the adjusted RosterResult (None for a duplicate)
    uploaded_at: dt.datetime | None = None
    uploaded_by: str | None = None
    amounts: dict = field(default_factory=dict)


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- vectorised adjustments -------------------------------------------------------------------

def _blank_error_row_values(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """Error rows: every amount 0, no category, no status (as the engine does)."""
    for item in ROW_ITEMS:
        if item in frame:
            frame[item] = np.where(mask, 0, frame[item].to_numpy())
        if f"{item}_status" in frame:
            frame[f"{item}_status"] = frame[f"{item}_status"].astype(object).where(~mask, None)
    for col in ("rent_counted_months", "employer_social_insurance_months"):
        if col in frame:
            frame[col] = np.where(mask, 0, frame[col].to_numpy())
    if "category" in frame:
        frame["category"] = frame["category"].astype(object).where(~mask, None)
    if "covered" in frame:
        frame["covered"] = frame["covered"].astype(object).where(~mask, None)
    if "sichuan_helped" in frame:
        frame["sichuan_helped"] = frame["sichuan_helped"].fillna(False).astype(bool).to_numpy() & ~mask
    return frame


def restrict_to_district(frame: pd.DataFrame, district: str) -> pd.DataFrame:
    """Valid rows whose work district is not ``district`` become error rows (a copy)."""
    frame = frame.copy()
    wd = frame["work_district"].astype("string")
    other = (frame["valid"].to_numpy(dtype=bool) & wd.notna().to_numpy() & (wd != district).fillna(False).to_numpy())
    if not other.any():
        return frame
    prefix, suffix = t("db.upload.other_district", district="\x00", own=district).split("\x00")
    frame["errors"] = append_texts(frame["errors"], other, prefix + wd.fillna("") + suffix)
    frame["valid"] = frame["valid"].to_numpy(dtype=bool) & ~other
    frame = _blank_error_row_values(frame, other)
    frame["total_to_worker"] = np.where(other, 0, frame["total_to_worker"].to_numpy())
    return frame


# --- storing --------------------------------------------------------------------------------

def _summary_of(frame: pd.DataFrame) -> dict:
    payable = {item: int(pd.to_numeric(frame[f"{item}_payable"]).sum()) for item in ROW_ITEMS
               if f"{item}_payable" in frame}
    return {
        "rows": int(len(frame)),
        "valid": int(frame["valid"].to_numpy(dtype=bool).sum()),
        "errors": int((~frame["valid"].to_numpy(dtype=bool)).sum()),
        "amounts": {item: int(pd.to_numeric(frame[item]).sum()) for item in ROW_ITEMS if item in frame},
        "total_to_worker": int(pd.to_numeric(frame["total_to_worker"]).sum()),
        "payable": payable,
        "total_payable_to_worker": int(pd.to_numeric(frame.get("total_payable_to_worker", pd.Series([0]))).sum()),
    }


def _as_of(result) -> dt.date | None:
    """The day of the check of an evaluated roster (its summary)."""
    text_ = (getattr(result, "summary", None) or {}).get("as_of")
    return dt.date.fromisoformat(text_) if text_ else None


def _duplicate(conn: Connection, digest: str):
    return conn.execute(select(uploads).where(uploads.c.content_hash == digest,
                                              uploads.c.withdrawn_at.is_(None))).mappings().first()


def _duplicate_summary(dup, user: User, filename: str, ip: str | None, lang: str = "zh") -> UploadSummary:
    audit.record(None, "upload_duplicate", actor=user.name, target=filename, ip=ip, upload_id=dup["id"],
                 content_hash=dup["content_hash"])
    at = dup["uploaded_at"].strftime("%Y-%m-%d %H:%M")
    return UploadSummary(
        upload_id=dup["id"], duplicate=True, rows=dup["rows"], valid=dup["valid"], errors=dup["errors"],
        flagged=dup["flagged"], total_to_worker=int(dup["total_to_worker"]),
        message=t("db.upload.duplicate", lang, at=at, user=dup["username"], upload_id=dup["id"]),
        uploaded_at=dup["uploaded_at"], uploaded_by=dup["username"])


def store_upload(result, user: User, filename: str, content: bytes, *, ip: str | None = None,
                 demo: bool = False, source: str = "page", lang: str = "zh") -> UploadSummary:
    """Keep an evaluated roster (see the module text); audited in the same transaction. ``lang``:
    the language of the one-sentence report (the stored rows keep the catalog's Chinese)."""
    if not can(user, "upload"):
        raise AccountError("db.permission_denied")
    digest = dedup_key(result, content, user)
    with reading() as conn:
        dup = _duplicate(conn, digest)
    if dup is not None:
        return _duplicate_summary(dup, user, filename, ip, lang)

    frame = _keyed(result, user)

    def write(conn: Connection) -> UploadSummary:
        now = utcnow()
        upload_id = open_upload(conn, user, filename, digest, len(content), len(frame),
                                int(result.summary.get("blank_rows", 0) or 0), demo, _as_of(result), now)
        adjusted = _resolve_ledger(conn, frame, upload_id, now)
        summ = _summary_of(adjusted)
        flagged = adjusted.attrs.get("flagged", 0)
        _write_rows(conn, adjusted, upload_id)
        close_upload(conn, upload_id, {**summ, "flagged": flagged}, user=user, filename=filename, ip=ip,
                     digest=digest, source=source, demo=demo)
        new_summary = {**result.summary, **summ, "flagged": flagged}
        new_result = replace(result, frame=adjusted.drop(columns=["person_key"]), summary=new_summary)
        return UploadSummary(
            upload_id=upload_id, duplicate=False, rows=summ["rows"], valid=summ["valid"],
            errors=summ["errors"], flagged=flagged, total_to_worker=summ["total_to_worker"],
            message=t("db.upload.stored", lang, upload_id=upload_id, rows=summ["rows"], valid=summ["valid"],
                      errors=summ["errors"], flagged=flagged),
            result=new_result, uploaded_at=now, uploaded_by=user.name, amounts=summ["amounts"])

    return stored_once(write, digest, user, filename, ip, lang)


def stored_once(write, digest: str, user: User, filename: str, ip: str | None, lang: str) -> UploadSummary:
    """``write(conn)`` (the upload's row, ledger step, rows, counts and audit; its summary) in one
    transaction, unless the same rows are stored already: then that upload's summary. A
    transaction that meets a concurrent upload (the unique indexes) is done again from the start,
    up to MAX_ATTEMPTS times; when the other one stored the same rows, its summary."""
    last_error: Exception | None = None
    for _attempt in range(MAX_ATTEMPTS):
        try:
            with bulk_transaction() as conn:
                dup = _duplicate(conn, digest)
                if dup is not None:
                    break
                return write(conn)
        except (IntegrityError, OperationalError) as exc:   # a concurrent upload of the same rows won: look again
            last_error = exc
            _log.info("upload of %s: the transaction met a concurrent upload, done again (%s)", filename,
                      type(exc).__name__)
    with reading() as conn:
        dup = _duplicate(conn, digest)
    if dup is not None:
        return _duplicate_summary(dup, user, filename, ip, lang)
    raise RuntimeError("upload could not be stored after retries") from last_error


def open_upload(conn: Connection, user: User, filename: str, digest: str, size: int, rows: int, blank_rows: int,
                demo: bool, as_of: dt.date | None, now: dt.datetime) -> int:
    """The upload's own row, written first in its transaction (its rows and ledger entries name
    it); its counts stay 0 until ``close_upload``."""
    return conn.execute(insert(uploads).values(
        username=user.name, role=user.role, district=user.district, filename=filename[:255], content_hash=digest,
        size=size, uploaded_at=now, rows=rows, valid=0, errors=0, blank_rows=blank_rows, flagged=0, total_to_worker=0,
        demo=demo, as_of=as_of, total_payable_to_worker=0,
    ).returning(uploads.c.id)).scalar_one()


def close_upload(conn: Connection, upload_id: int, counts: dict, *, user: User, filename: str, ip: str | None,
                 digest: str, source: str, demo: bool) -> None:
    """The upload's counts (valid, errors, flagged, the totals) once its rows are in, and its audit
    entry, in the same transaction."""
    get = lambda k: counts.get(k, 0)    # noqa: E731
    conn.execute(update(uploads).where(uploads.c.id == upload_id).values(
        valid=get("valid"), errors=get("errors"), flagged=get("flagged"), total_to_worker=get("total_to_worker"),
        total_payable_to_worker=get("total_payable_to_worker")))
    audit.record(conn, "upload", actor=user.name, target=filename, ip=ip, upload_id=upload_id, content_hash=digest,
                 rows=get("rows"), valid=get("valid"), errors=get("errors"), flagged=get("flagged"),
                 total_to_worker=get("total_to_worker"), source=source, demo=demo)


def _resolve_ledger(conn: Connection, frame: pd.DataFrame, upload_id: int, now: dt.datetime) -> pd.DataFrame:
    """What earlier uploads paid, set to 0 (``core.db.ledger``), and this upload's own entries
    written, in a savepoint: when a concurrent upload holds one of them (the partial unique
    index), only this step is undone and done again, now seeing what the other paid. The rows
    themselves are written once, after it (``_write_rows``)."""
    last_error: Exception | None = None
    for _attempt in range(MAX_ATTEMPTS):
        savepoint = conn.begin_nested()
        try:
            adjusted, ledger = apply_prior_payments(frame, conn)
            bulk.write_ledger(conn, ledger, upload_id, now)
        except (IntegrityError, OperationalError) as exc:
            savepoint.rollback()
            last_error = exc
            _log.info("upload %s: the ledger step met a concurrent upload, done again (%s)", upload_id,
                      type(exc.orig).__name__ if hasattr(exc, "orig") else type(exc).__name__)
            continue
        savepoint.commit()
        return adjusted
    raise last_error


def _write_rows(conn: Connection, adjusted: pd.DataFrame, upload_id: int) -> int:
    """The stored rows, once: COPY on PostgreSQL, executemany in batches on SQLite (``core.db.bulk``)."""
    return bulk.write_rows(conn, adjusted, upload_id)


def _keyed(result, user: User) -> pd.DataFrame:
    """The result frame as it is stored: limited to a district officer's own district, with
    the keyed ID hash and the masked number."""
    frame = result.frame.copy(deep=False)       # columns are added or replaced, never changed in place
    if not can(user, "all_districts"):
        frame = restrict_to_district(frame, user.district)     # same rows, same order, same numbers
    if "id_number" in frame:
        keys, masks = ids.frame_keys(result.frame)     # once for the view and the save of one result
        frame["person_key"] = pd.Series(keys.array, index=frame.index)
        frame["id_number_masked"] = pd.Series(masks.array, index=frame.index)
    else:
        frame["person_key"] = frame["id_number_masked"] = pd.NA
    return frame


@dataclass
class StoredView:
    result: object                  # the RosterResult as storing it would keep it (or kept it)
    upload_id: int | None = None    # the upload already holding this very file, if any
    message: str | None = None      # one sentence about that upload


# what a stored row holds of the result: laid over a file already stored, it shows the result as
# stored then, even after an earlier upload was withdrawn (its payments no longer count now)
_STORED_RESULT = ("valid", "errors", "warnings", *ROW_ITEMS, "rent_counted_months", "employer_social_insurance_months", "total_to_worker",
                  "total_payable_to_worker", "claim_closed", "prior_paid")


def as_stored(result, user: User, content: bytes, lang: str = "zh", ip: str | None = None) -> StoredView:
    """What storing this file keeps, without storing anything: the same district limit and the
    same setting-to-0 of what earlier uploads already paid as ``store_upload``. When the same
    file is already stored (not withdrawn), its rows as they were stored and a sentence naming
    that upload. Read-only, not audited; the screen shows the amounts the database holds,
    whatever language or rerun. A look-up into other districts' payments is audited (from ``ip``)."""
    digest = dedup_key(result, content, user)
    frame = _keyed(result, user)
    with reading() as conn:
        dup = _duplicate(conn, digest)
        if dup is None:
            adjusted, _ = apply_prior_payments(frame, conn, lang=lang)
        else:
            stored = pd.DataFrame(conn.execute(
                select(roster_rows.c.row, *[roster_rows.c[c] for c in _STORED_RESULT])
                .where(roster_rows.c.upload_id == dup["id"])).mappings().all())
    if dup is not None:
        adjusted = frame.assign(prior_paid="") if "prior_paid" not in frame else frame.copy()
        if len(stored):
            at_row = stored.drop_duplicates("row").set_index("row").reindex(frame["row"].to_numpy())
            found = at_row["valid"].notna().to_numpy()
            for col in _STORED_RESULT:
                if col in adjusted:
                    adjusted[col] = adjusted[col].astype(object).where(~found, at_row[col].to_numpy()) \
                        if col in ("errors", "warnings", "prior_paid", "valid", "claim_closed") else \
                        np.where(found, pd.to_numeric(at_row[col], errors="coerce").fillna(0).to_numpy(),
                                 adjusted[col].to_numpy()).astype("int64")
            adjusted["valid"] = adjusted["valid"].astype(bool)
            closed = adjusted["claim_closed"].fillna(False).astype(bool).to_numpy()
            adjusted["claim_closed"] = closed
            for item in ROW_ITEMS:     # payable as stored: what was due, unless checked after the deadline
                adjusted[f"{item}_payable"] = np.where(closed, 0, adjusted[item].to_numpy()).astype("int64")
        adjusted.attrs["flagged"] = int((adjusted["prior_paid"].fillna("").astype(str) != "").sum())
    audit_lookup(adjusted, user, dup["id"] if dup is not None else None, ip)
    summ = _summary_of(adjusted)
    view = replace(result, frame=adjusted.drop(columns=["person_key"]),
                   summary={**result.summary, **summ, "flagged": adjusted.attrs.get("flagged", 0)})
    if dup is None:
        return StoredView(view)
    at = dup["uploaded_at"].strftime("%Y-%m-%d %H:%M")
    return StoredView(view, int(dup["id"]),
                      t("db.upload.already_stored", lang, at=at, user=dup["username"], upload_id=dup["id"]))


def withdraw_upload(upload_id: int, user: User, reason: str, ip: str | None = None) -> None:
    """Mark an upload withdrawn (its rows stay stored) and release what it paid; audited.
    City-wide roles withdraw any upload; a district officer only the ones it made itself."""
    if not (reason or "").strip():
        raise AccountError("db.upload.reason_required")
    with transaction() as conn:
        up = conn.execute(select(uploads).where(uploads.c.id == upload_id)).mappings().first()
        if up is None:
            raise AccountError("db.upload.not_found", upload_id=upload_id)
        allowed = can(user, "upload") and (
            can(user, "all_districts") or (user.district is not None and up["district"] == user.district))
        if not allowed:
            raise AccountError("db.permission_denied")
        if not can(user, "all_districts") and up["username"] != user.name:
            # a district officer withdraws its own mistaken uploads, not a colleague's
            raise AccountError("officer.my_uploads.not_own")
        if up["withdrawn_at"] is not None:
            raise AccountError("db.upload.already_withdrawn", upload_id=upload_id)
        conn.execute(update(uploads).where(uploads.c.id == upload_id).values(
            withdrawn_at=utcnow(), withdrawn_by=user.name, withdraw_reason=reason.strip()))
        released = conn.execute(update(payments).where(payments.c.upload_id == upload_id, payments.c.active.is_(True))
                                .values(active=False)).rowcount
        audit.record(conn, "withdraw", actor=user.name, target=up["filename"], ip=ip, upload_id=upload_id,
                     reason=reason.strip(), released_payments=released, rows=up["rows"])


# --- reading --------------------------------------------------------------------------------

def _visible(q, user: User | None):
    """Rows ``user`` may see: everything for city-wide roles, its own district's for a district officer."""
    if user is None or can(user, "all_districts"):
        return q
    if user.role == "district_officer" and user.district:
        # its district's rows from its own or city-wide uploads (not rows another district's officer
        # sent and had refused), and its own rows whose district could not be read
        own_upload = uploads.c.district == user.district
        return q.where(or_(and_(roster_rows.c.work_district == user.district,
                                or_(uploads.c.district.is_(None), own_upload)),
                           and_(roster_rows.c.work_district.is_(None), own_upload)))
    return q.where(false())


def load_rows(year: int | None = None, user: User | None = None, include_withdrawn: bool = False) -> pd.DataFrame:
    """Stored evaluated rows visible to ``user`` (None: all), oldest upload first, in row order."""
    cols = [roster_rows.c[c] for c in _ROW_COLUMNS]
    q = (select(roster_rows.c.upload_id, *cols, uploads.c.uploaded_at, uploads.c.demo)
         .join(uploads, uploads.c.id == roster_rows.c.upload_id)
         .order_by(roster_rows.c.upload_id, roster_rows.c.row))
    if not include_withdrawn:
        q = q.where(uploads.c.withdrawn_at.is_(None))
    if year is not None:
        q = q.where(roster_rows.c.year == int(year))
    q = _visible(q, user)
    with reading() as conn:
        res = conn.execute(q)
        frame = pd.DataFrame(res.all(), columns=list(res.keys()))
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for col in ("valid", "demo"):
        frame[col] = frame[col].astype(bool)
    frame["sichuan_helped"] = frame["sichuan_helped"].astype("boolean").fillna(False).astype(bool)
    frame["registered_poor"] = frame["registered_poor"].astype("boolean")
    for col in _INT_COLUMNS + ["upload_id", "row"]:
        frame[col] = pd.to_numeric(frame[col]).fillna(0).astype("int64")
    for col in _NULLABLE_INT:
        frame[col] = pd.to_numeric(frame[col]).astype("Int64")
    for col in _DATE_COLUMNS + ["uploaded_at"]:
        frame[col] = pd.to_datetime(frame[col])
    frame["training_cost"] = pd.to_numeric(frame["training_cost"]).astype("Float64")
    frame["category"] = pd.Categorical(frame["category"], categories=list(CATEGORIES))
    for col in ["covered"] + [f"{i}_status" for i in ROW_ITEMS]:
        frame[col] = pd.Categorical(frame[col], categories=list(STATUSES))
    text_cols = [c for c in frame.columns if frame[c].dtype == object]
    for col in text_cols:
        frame[col] = frame[col].astype("string")
    for col in ("errors", "warnings", "prior_paid"):
        frame[col] = frame[col].fillna("")
    return frame


def list_uploads(user: User | None = None, include_withdrawn: bool = True) -> pd.DataFrame:
    q = select(uploads.c.id, uploads.c.uploaded_at, uploads.c.username, uploads.c.district, uploads.c.filename,
               uploads.c.rows, uploads.c.valid, uploads.c.errors, uploads.c.flagged, uploads.c.total_to_worker,
               uploads.c.demo, uploads.c.withdrawn_at, uploads.c.withdrawn_by, uploads.c.withdraw_reason,
               uploads.c.content_hash).order_by(uploads.c.id.desc())
    if not include_withdrawn:
        q = q.where(uploads.c.withdrawn_at.is_(None))
    if user is not None and not can(user, "all_districts"):
        q = q.where(uploads.c.district == user.district) if user.district else q.where(false())
    with reading() as conn:
        res = conn.execute(q)
        return pd.DataFrame(res.all(), columns=list(res.keys()))


def count_active_payments() -> pd.DataFrame:
    """item, count, amount over active ledger entries (for checks and the audit page)."""
    q = (select(payments.c.item, func.count().label("count"), func.sum(payments.c.amount).label("amount"))
         .where(payments.c.active.is_(True)).group_by(payments.c.item))
    with reading() as conn:
        res = conn.execute(q)
        return pd.DataFrame(res.all(), columns=list(res.keys()))
