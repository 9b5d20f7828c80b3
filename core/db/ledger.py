"""The ledger of what was paid to or for each person over all uploads (the table ``payments``).

How an item is matched against what earlier uploads paid follows how often it pays (``core.items``):
a one-time item once per person, the skill subsidy once per person and level, a monthly item by
the months not yet paid. Only what is payable on the day of the check enters the ledger.
``core.db.uploads`` calls ``apply_prior_payments`` inside the transaction that stores an upload
(and read-only for the screen, ``as_stored``).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, select, text

from core.db.models import ROW_ITEMS, payments
from core.db.targets import standards_in
from core.i18n import t
from core.items import ITEM, ONCE_PER_LEVEL, PER_MONTH, REGISTRY, WORKER_ITEMS
from core.items.base import at_standard
from core.rules import LEVELS, Simulation
from core.validate import SEP


def append_texts(texts: pd.Series, mask: np.ndarray, message: pd.Series | str) -> pd.Series:
    """Append ``message`` (scalar or per-row) to ``texts`` where ``mask``, joined by core.validate.SEP."""
    texts = texts.astype("string").fillna("")
    if not mask.any():
        return texts
    # only the rows that get the message are worked on (a few of a roster, often)
    some = texts[mask]
    msg = message if isinstance(message, str) else message.astype("string")[mask]
    joined = some.where(some == "", some + SEP) + msg
    out = texts.copy()
    out[mask] = joined
    return out


# "WHERE payments.active", written exactly as the partial index uq_payments_active_person_item
# says it: SQLite uses that index (a search by person) only for this form, and scans the whole
# ledger for "active IS 1" or "active = 1" (12 s instead of a fraction for 100,000 people)
_ACTIVE = text("payments.active")
_SQLITE_CHUNK = 5000
_POSTGRES_CHUNK = 200_000


def _any_active(conn: Connection) -> bool:
    """Whether the ledger holds an active entry at all (one probe of the partial unique index)."""
    return conn.execute(select(payments.c.person_key).where(_ACTIVE).limit(1)).first() is not None


def _prior_payments(conn: Connection, keys: pa.Array, before: int | None = None) -> pd.DataFrame:
    """Active ledger entries of these people (only those of uploads before ``before`` if given).
    Nothing is looked up on a ledger with no active entry. PostgreSQL: the keys as one
    comma-separated text the server splits into an array, a statement per 200,000 of them (so
    that a million keys are never Python strings at once); SQLite: chunks of keys as bound
    parameters of the driver's own statement (SQLAlchemy would write an expanding list into the
    statement as literals: 0.2 s for 100,000 keys), each a search of the partial unique index.
    ``keys``: distinct, as Arrow strings."""
    cols = ["person_key", "item", "seq", "months", "upload_id"]
    parts = []
    if not _any_active(conn):
        return pd.DataFrame(parts, columns=cols)
    if conn.dialect.name == "postgresql":
        # a join with the keys as one array: no plan over a million constants, no pruning step
        # per key on the partitioned ledger. The array is made by the server from one text (an
        # array parameter costs psycopg 0.6 s of Python for 100,000 keys); keys are hex digits.
        # And the keys' range, which the ledger's index gives at once: a batch of the command
        # line's import (core.db.bulk_import) holds one range of keys, so its look-up reads
        # that range only, not the whole ledger (nor the entries its earlier batches just wrote).
        # The driver's own cursor: its rows are plain tuples (SQLAlchemy's rows cost 0.3 s of
        # Python for 60,000 entries)
        sql = (f"SELECT {', '.join(f'payments.{c}' for c in cols)} FROM payments "
               "JOIN unnest(string_to_array(%(keys)s::TEXT, ',')) AS wanted(key) ON payments.person_key = wanted.key "
               "WHERE payments.active AND payments.person_key BETWEEN %(lo)s AND %(hi)s"
               + (" AND payments.upload_id < %(before)s" if before is not None else ""))
        with conn.connection.driver_connection.cursor() as cur:
            for start in range(0, len(keys), _POSTGRES_CHUNK):
                value = keys.slice(start, _POSTGRES_CHUNK).to_pylist()
                cur.execute(sql, {"keys": ",".join(value), "lo": min(value), "hi": max(value), "before": before})
                parts.extend(cur.fetchall())
        return pd.DataFrame(parts, columns=cols)
    # "WHERE payments.active" as the partial index says it (above); the same columns as selected
    # through SQLAlchemy (its SQLite types read the stored integers and text as they are)
    sql = (f"SELECT {', '.join(f'payments.{c}' for c in cols)} FROM payments WHERE payments.active"
           f"{' AND payments.upload_id < ?' if before is not None else ''} AND payments.person_key IN ({{}})")
    cur = conn.connection.driver_connection.cursor()
    try:
        for start in range(0, len(keys), _SQLITE_CHUNK):
            value = keys.slice(start, _SQLITE_CHUNK).to_pylist()
            params = ([int(before)] if before is not None else []) + value
            parts.extend(cur.execute(sql.format(", ".join("?" * len(value))), params).fetchall())
    finally:
        cur.close()
    return pd.DataFrame(parts, columns=cols)


def apply_prior_payments(frame: pd.DataFrame, conn: Connection, before: int | None = None,
                         lang: str = "zh") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Zero what earlier active uploads already paid; returns (adjusted frame, ledger entries).

    How an item is matched against the ledger follows how often it pays (``core.items``): a
    one-time item once per person, the skill subsidy once per person and level, a monthly item by
    the months not yet paid (the roster's months are cumulative since the first employment, so
    the months already paid are subtracted; with the engine's cap this keeps a person within the
    longest subsidy period over all uploads). Only what is payable on the day of the check enters
    the ledger (nothing after the claim deadline); what is due is adjusted the same way.

    ``frame`` needs ``person_key`` and the result columns. Ledger entries: person_key, item, seq,
    months, amount, row. ``before``: count only the payments of uploads numbered below it (the
    state in which that upload was stored).
    """
    frame = frame.copy(deep=False)          # columns are replaced, never changed in place
    valid = frame["valid"].to_numpy(dtype=bool)
    pk = frame["person_key"].astype("string")
    has_key = valid & pk.notna().to_numpy()
    keys = pc.unique(pa.array(pk[has_key], type=pa.string(), from_pandas=True))
    prior = _prior_payments(conn, keys, before) if len(keys) else pd.DataFrame(columns=["person_key", "item", "seq", "months", "upload_id"])
    open_ = ~frame["claim_closed"].fillna(False).to_numpy(dtype=bool) if "claim_closed" in frame \
        else np.ones(len(frame), dtype=bool)
    state = _Adjusting(frame, pk, has_key, prior, open_, lang, lambda: standards_in(conn))
    for spec in REGISTRY:
        if spec.frequency == PER_MONTH:
            state.monthly(spec.code, spec.months_column)
        else:
            state.once(spec.code, per_level=spec.frequency == ONCE_PER_LEVEL)
    frame["warnings"], frame["prior_paid"] = state.texts(frame["warnings"])
    frame["total_to_worker"] = np.sum([frame[i].to_numpy().astype("int64") for i in WORKER_ITEMS], axis=0)
    for item in ROW_ITEMS:
        frame[f"{item}_payable"] = np.where(open_, frame[item].to_numpy().astype("int64"), 0)
    frame["total_payable_to_worker"] = np.where(open_, frame["total_to_worker"], 0)
    frame.attrs["flagged"] = int(state.flagged.sum())
    led = pd.concat(state.ledger, ignore_index=True) if state.ledger else pd.DataFrame(
        columns=["person_key", "item", "seq", "months", "amount", "row"])
    return frame, led


# the ledger's seq of a certificate level: 1 初级工, 2 中级工, 3 高级工 (0 none or unread)
_LEVEL_SEQ = {level: i + 1 for i, level in enumerate(LEVELS)}


def _appended(texts: np.ndarray, more) -> np.ndarray:
    """``append_texts`` on plain arrays: ``more`` after each text, joined by SEP ("" takes it alone)."""
    return np.where(texts == "", more, texts + SEP + more)


class _Adjusting:
    """The state of ``apply_prior_payments`` while it goes through the items."""

    def __init__(self, frame, pk, has_key, prior, open_, lang, local_standards=dict):
        self.frame, self.pk, self.has_key, self.prior, self.open, self.lang = frame, pk, has_key, prior, open_, lang
        self.local_standards = local_standards      # the administrators' standards, read when needed
        self.flagged = np.zeros(len(frame), dtype=bool)
        self.notes: list[tuple[np.ndarray, str, np.ndarray]] = []     # (rows, item, their messages)
        self.rows = frame["row"].to_numpy()
        self.ledger: list[pd.DataFrame] = []
        # defensive: one person twice in the same upload (the engine already makes later rows errors)
        self.first_of_person = ~pk.duplicated(keep="first").to_numpy() | ~has_key
        # people as numbers: each row's person (-1 none) and each earlier entry's, so that the
        # items are matched by integer joins rather than by strings made per row
        codes, people = pd.factorize(pk, use_na_sentinel=True)
        self.person = np.asarray(codes, dtype=np.int64)
        self.people = len(people)
        self.prior_person = pd.Index(people).get_indexer(prior["person_key"].astype(str)) if len(prior) \
            else np.empty(0, dtype=np.int64)
        self.prior_item = prior["item"].astype(str).to_numpy()
        self.prior_seq = pd.to_numeric(prior["seq"]).fillna(0).to_numpy().astype("int64")

    def _paid(self, item: str) -> np.ndarray:
        """Which earlier entries are of ``item`` (and of a person of this upload)."""
        return (self.prior_item == item) & (self.prior_person >= 0)

    def _flag(self, mask: np.ndarray, item: str, messages: np.ndarray) -> None:
        """The rows of ``mask`` get ``messages`` (one per row of the mask, in order) in their
        warnings and ``item`` in prior_paid; the texts are made once at the end (``texts``)."""
        self.notes.append((mask, item, messages))
        self.flagged |= mask

    def texts(self, warnings: pd.Series) -> tuple[pd.Series, pd.Series]:
        """(warnings, prior_paid): each flagged row's messages and items appended in the order
        they were flagged, joined by core.validate.SEP, worked on the flagged rows only."""
        warnings = warnings.astype("string").fillna("")
        prior_paid = pd.Series([""] * len(warnings), index=warnings.index, dtype="string")
        rows = np.flatnonzero(self.flagged)
        if not len(rows):
            return warnings, prior_paid
        at = np.full(len(warnings), -1, dtype=np.int64)
        at[rows] = np.arange(len(rows))
        warn = warnings.to_numpy(dtype=object)[rows]
        paid = np.full(len(rows), "", dtype=object)
        for mask, item, messages in self.notes:
            j = at[mask]
            warn[j] = _appended(warn[j], messages)
            paid[j] = _appended(paid[j], item)
        full = warnings.to_numpy(dtype=object).copy()
        full[rows] = warn
        items = np.full(len(warnings), "", dtype=object)
        items[rows] = paid
        return (pd.Series(full, index=warnings.index, dtype="string"),
                pd.Series(items, index=warnings.index, dtype="string"))

    def once(self, item: str, per_level: bool) -> None:
        """One time per person (or per person and level): 0 where an earlier upload paid it."""
        pk, has_key = self.pk, self.has_key
        amount = self.frame[item].to_numpy().astype("int64")
        seq = (self.frame["certificate_level"].astype(object).map(_LEVEL_SEQ).fillna(0).astype("int64").to_numpy()
               if per_level else np.zeros(len(self.frame), dtype="int64"))
        paid = self._paid(item)
        found = np.full(len(pk), -1, dtype=np.int64)
        if paid.any():
            # (person, seq) as one integer on both sides; the entry written last wins, as before
            p_seq = self.prior_seq[paid]
            width = int(max(seq.max(initial=0), p_seq.max(initial=0))) + 1
            entries = pd.Index(self.prior_person[paid] * width + p_seq)
            keep = ~entries.duplicated(keep="last")
            at = entries[keep].get_indexer(np.where(self.person >= 0, self.person * width + seq, -1))
            uploads_ = pd.to_numeric(self.prior["upload_id"]).to_numpy()[paid][keep]
            found = np.where(at >= 0, uploads_[np.maximum(at, 0)], -1)
        already = has_key & (amount > 0) & ((found >= 0) | ~self.first_of_person)
        if already.any():
            prefix, suffix = t("db.upload.prior_one_time", self.lang, item=t(f"db.items.{item}", self.lang),
                               upload="\x00").split("\x00")
            upload = found[already]
            where = np.where(upload >= 0, upload.astype(str), "?").astype(object)
            self._flag(already, item, prefix + where + suffix)
            amount = np.where(already, 0, amount)
            self.frame[item] = amount
        grant = has_key & (amount > 0) & self.open
        if grant.any():
            self.ledger.append(pd.DataFrame({"person_key": pk[grant].reset_index(drop=True), "item": item, "seq": seq[grant],
                                             "months": None, "amount": amount[grant], "row": self.rows[grant]}))

    def _left_amount(self, item: str, months: np.ndarray, amount: np.ndarray, left: np.ndarray,
                     proportional: np.ndarray) -> np.ndarray:
        """What the months not yet counted give. A fixed monthly amount (rent: 500) divides
        exactly; an item paid at a local standard (三(三) employer social insurance) is the months
        left at that standard (RULES.md: counted months x the standard), not at the whole-yuan
        rate of all the months (300.5 a month: 14 months are 4207, not 14 x 300). The standard is
        the one stored by the administrators (or the row's policy file), used where it gives this
        row's own amount, so a result checked under another standard keeps the proportional rule."""
        name = ITEM[item].local_standard
        if name is None or not (amount > 0).any() or "first_employment_date" not in self.frame:
            return proportional       # no standard set (nothing is paid): no look-up
        monthly, configured = Simulation(self.frame, dt.date.today(), self.local_standards()).standard(name)
        same = configured & (at_standard(months, monthly) == amount)
        return np.where(same, at_standard(left, monthly), proportional)

    def monthly(self, item: str, column: str) -> None:
        """Per counted month: only the months not yet paid (the amount stays monthly × months)."""
        pk, has_key = self.pk, self.has_key
        amount = self.frame[item].to_numpy().astype("int64")
        months = pd.to_numeric(self.frame[column], errors="coerce").fillna(0).to_numpy().astype("int64")
        paid = self._paid(item)
        if paid.any():
            # per person: the months paid so far (their sum) and the next slice (the last + 1)
            who = self.prior_person[paid]
            months_paid = pd.to_numeric(self.prior["months"]).fillna(0).to_numpy().astype("int64")[paid]
            total = np.zeros(self.people, dtype=np.int64)
            np.add.at(total, who, months_paid)
            last = np.full(self.people, -1, dtype=np.int64)
            np.maximum.at(last, who, self.prior_seq[paid])
            mine = self.person >= 0
            paid_months = np.where(mine, total[np.maximum(self.person, 0)], 0)
            next_seq = np.where(mine, last[np.maximum(self.person, 0)] + 1, 0)
        else:                                   # nobody paid this item before: no month, slice 0
            paid_months = next_seq = np.zeros(len(pk), dtype="int64")
        eligible = (self.frame[f"{item}_status"].astype(object) == "eligible").to_numpy()
        reduce = has_key & eligible & (months > 0) & (paid_months > 0)
        if reduce.any():
            left = np.clip(months - paid_months, 0, None)
            per_month = np.where(months > 0, amount // np.maximum(months, 1), 0)
            new_months = np.where(reduce, left, months)
            amount = np.where(reduce, self._left_amount(item, months, amount, left, per_month * left), amount)
            prefix, suffix = t(f"db.upload.prior_months.{item}", self.lang, months="\x00").split("\x00")
            self._flag(reduce, item, prefix + paid_months[reduce].astype(str).astype(object) + suffix)
            self.frame[item] = amount
            self.frame[column] = new_months
            months = new_months
        grant = has_key & eligible & (months > 0) & self.first_of_person & self.open
        if grant.any():
            self.ledger.append(pd.DataFrame({"person_key": pk[grant].reset_index(drop=True), "item": item,
                                             "seq": next_seq[grant],
                                             "months": months[grant], "amount": amount[grant], "row": self.rows[grant]}))
