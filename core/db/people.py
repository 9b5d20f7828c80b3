"""A person over time (notice 四、三: 动态管理, 跟踪服务): every stored roster row of the person,
every item paid, and a timeline of follow-up entries (employment status, services given).

- The person is ``person_key`` (the keyed hash of the normalised ID number, core.db.ids), as in
  roster_rows and payments; the clear number is never stored, the masked form is shown.
- A person belongs to a district through their stored rows (uploads not withdrawn): rows whose
  work district is that district, from that district's or city-wide uploads (as
  ``core.db.uploads.load_rows`` shows them), and rows without a readable district in that
  district's own uploads.
- Who may do what: a district officer reads and writes only their district's people and entries;
  city officers and administrators all districts; leaders read everything and write nothing.
- Entries are facts: never changed, never deleted. A correction is a new entry naming the one it
  corrects (``corrects_id``) with a note saying what it corrects; the kind ``void`` cancels an
  entry made in error. An entry is in force while no other entry corrects it (one correction per
  entry: a unique index; a chain of corrections ends in the entry in force). Every entry is audited.

Codes (``data/reference/followup_kinds.csv``, texts ``people.status.*`` / ``people.service.*``).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
from sqlalchemy import and_, exists, func, insert, or_, select, text
from sqlalchemy.exc import IntegrityError

from core import idnumber
from core.db import audit, ids
from core.db.accounts import AccountError, User, can
from core.db.models import followups, payments, roster_rows, uploads
from core.db.session import reading, transaction, utcnow
from core.paths import DATA

KINDS = ("status", "service")
VOID = "void"                      # a correction that cancels an entry made in error
WRITERS = ("admin", "city_officer", "district_officer")
READERS = (*WRITERS, "leader")
MAX_NOTE = 2000
EARLIEST = dt.date(2018, 1, 1)     # the notice's policy year: no entry is dated before it
_ACTIVE = text("payments.active")      # as the ledger's partial index says it, so the index is used
_ID_LIKE = re.compile(r"^(?:\d{17}[\dX]|\d{15})$")


@lru_cache(maxsize=None)
def followup_codes() -> dict[str, tuple[str, ...]]:
    """{"status": (on_job, left, …), "service": (consultation, …)} from data/reference."""
    frame = pd.read_csv(DATA / "reference" / "followup_kinds.csv", dtype=str)
    return {k: tuple(frame.loc[frame["kind"] == k, "code"]) for k in KINDS}


# --- who may see and change what ----------------------------------------------------------------

def scope(user: User | None) -> str | None:
    """The district ``user`` is limited to (a district officer's), None for city-wide readers;
    anyone else is refused."""
    if user is None or user.role not in READERS:
        raise AccountError("db.permission_denied")
    if can(user, "all_districts"):
        return None
    if user.role == "district_officer" and user.district:
        return user.district
    raise AccountError("db.permission_denied")


def writable_district(user: User | None, district: str | None) -> str | None:
    """The district ``user`` may write in for ``district``: a district officer only their own,
    city officers and administrators any; leaders (and anyone else) nothing."""
    if user is None or user.role not in WRITERS:
        raise AccountError("db.permission_denied")
    own = scope(user)
    if own is not None and district is not None and district != own:
        raise AccountError("people.not_your_district", district=district)
    return own if own is not None else district


def rows_in(q, district: str | None):
    """``q`` over roster_rows joined with uploads, kept to the rows of ``district`` (None: all)."""
    q = q.where(uploads.c.withdrawn_at.is_(None), roster_rows.c.person_key.is_not(None))
    if district is None:
        return q
    own_upload = uploads.c.district == district
    return q.where(or_(and_(roster_rows.c.work_district == district, or_(uploads.c.district.is_(None), own_upload)),
                       and_(roster_rows.c.work_district.is_(None), own_upload)))


def frame_of(conn, q) -> pd.DataFrame:
    """A query's result as a frame, built column by column (pandas probing each row object of
    SQLAlchemy for a named tuple costs more than the query itself on large results)."""
    res = conn.execute(q)
    keys = list(res.keys())
    columns = list(zip(*res.all())) or [()] * len(keys)
    return pd.DataFrame({k: pd.Series(list(v)) if v else pd.Series([], dtype=object)
                         for k, v in zip(keys, columns)}, columns=keys)


def _in_force():
    """Entries no other entry corrects, and not cancellations themselves."""
    later = followups.alias("later")
    return and_(~exists().where(later.c.corrects_id == followups.c.id), followups.c.kind != VOID)


# --- counts for the monthly report --------------------------------------------------------------

def services_given(start: dt.date, end: dt.date, district: str | None = None) -> dict[str, int]:
    """Services given in force, dated ``start`` … ``end`` (both included), in ``district`` (None:
    the whole city): {service code: count}, every code of followup_kinds.csv present (0 when none).
    Corrected entries count as their correction says; cancelled ones not at all; demo entries never."""
    q = (select(followups.c.value, func.count()).where(followups.c.kind == "service", _in_force(),
                                                       followups.c.demo.is_(False),
                                                       followups.c.date >= start, followups.c.date <= end)
         .group_by(followups.c.value))
    if district is not None:
        q = q.where(followups.c.district == district)
    with reading() as conn:
        found = dict(conn.execute(q).all())
    return {code: int(found.get(code, 0)) for code in followup_codes()["service"]}


# --- finding people ----------------------------------------------------------------------------

def typed_key(query: str) -> str | None:
    """The person key of an ID number as officers type it (spaces, a lower-case x, full-width
    digits), or None when the text is not an ID number's shape."""
    norm = idnumber.normalise(pd.Series([query or ""], dtype=object)).iloc[0]
    if pd.isna(norm) or not _ID_LIKE.match(str(norm)):
        return None
    return ids.person_key(str(norm))


def _latest_rows(conn, district: str | None, keys: list[str] | None = None, name: str | None = None) -> pd.DataFrame:
    """One line per person in ``district``: the newest stored row's name, masked number and
    district, with the number of rows and the newest upload time."""
    q = rows_in(select(roster_rows.c.person_key, roster_rows.c.name, roster_rows.c.id_number_masked,
                       roster_rows.c.work_district, roster_rows.c.upload_id, roster_rows.c.row, roster_rows.c.valid,
                       uploads.c.uploaded_at)
                .join(uploads, uploads.c.id == roster_rows.c.upload_id), district)
    if keys is not None:
        q = q.where(roster_rows.c.person_key.in_(keys))
    if name:
        q = q.where(roster_rows.c.person_key.in_(
            rows_in(select(roster_rows.c.person_key).join(uploads, uploads.c.id == roster_rows.c.upload_id), district)
            .where(roster_rows.c.name.contains(name, autoescape=True))))
    frame = frame_of(conn, q)
    cols = ["person_key", "name", "id_number_masked", "district", "rows", "last_upload"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    frame = frame.sort_values(["uploaded_at", "upload_id", "row"])
    rows = frame.groupby("person_key").size()
    last = frame.groupby("person_key").tail(1).set_index("person_key")
    out = pd.DataFrame({"person_key": last.index, "name": last["name"].to_numpy(),
                        "id_number_masked": last["id_number_masked"].to_numpy(),
                        "district": last["work_district"].to_numpy(), "rows": rows.reindex(last.index).to_numpy(),
                        "last_upload": pd.to_datetime(last["uploaded_at"]).to_numpy()})
    return out.sort_values(["name", "id_number_masked"], na_position="last").reset_index(drop=True)[cols]


def find_people(user: User, query: str, limit: int = 200) -> pd.DataFrame:
    """People ``user`` may see whose ID number is ``query`` (typed any usual way) or whose name
    contains it: person_key, name, id_number_masked, district, rows, last_upload."""
    district = scope(user)
    text = (query or "").strip()
    if not text:
        return _latest_rows_empty()
    key = typed_key(text)
    with reading() as conn:
        found = _latest_rows(conn, district, keys=[key]) if key else _latest_rows(conn, district, name=text[:64])
    return found.head(limit)


def _latest_rows_empty() -> pd.DataFrame:
    return pd.DataFrame(columns=["person_key", "name", "id_number_masked", "district", "rows", "last_upload"])


# --- one person's record ------------------------------------------------------------------------

ROW_COLUMNS = ("upload_id", "row", "uploaded_at", "name", "id_number_masked", "work_district", "employer",
               "first_employment_date", "year", "category", "valid", "errors", "total_to_worker",
               "total_payable_to_worker")


@dataclass
class PersonRecord:
    person_key: str
    name: str | None
    id_number_masked: str | None
    district: str | None              # the district of the newest stored row
    rows: pd.DataFrame                # ROW_COLUMNS, oldest first
    paid: pd.DataFrame                # item, seq, months, amount, upload_id, row, created_at
    timeline: pd.DataFrame            # timeline(): every entry, in force or not, newest first
    status: str | None                # the status in force (latest by date), or None
    last_followup: dt.date | None


def timeline_query(district: str | None):
    later = followups.alias("later")
    q = (select(followups.c.id, followups.c.person_key, followups.c.date, followups.c.kind, followups.c.value,
                followups.c.note, followups.c.officer, followups.c.created_at, followups.c.corrects_id,
                followups.c.district, later.c.id.label("corrected_by"))
         .outerjoin(later, later.c.corrects_id == followups.c.id))
    return q if district is None else q.where(followups.c.district == district)


def person_record(user: User, person_key: str) -> PersonRecord:
    """What ``user`` may see of one person; refused (people.not_found) when none of their rows is
    visible to ``user``."""
    district = scope(user)
    with reading() as conn:
        rows = frame_of(conn, rows_in(select(roster_rows.c.upload_id, roster_rows.c.row, uploads.c.uploaded_at,
                                           *[roster_rows.c[c] for c in ROW_COLUMNS[3:]])
                                    .join(uploads, uploads.c.id == roster_rows.c.upload_id), district)
                      .where(roster_rows.c.person_key == person_key)
                      .order_by(uploads.c.uploaded_at, roster_rows.c.upload_id, roster_rows.c.row))
        if rows.empty:
            raise AccountError("people.not_found")
        pairs = list(zip(rows["upload_id"], rows["row"]))
        paid = frame_of(conn, select(payments.c.item, payments.c.seq, payments.c.months, payments.c.amount,
                                   payments.c.upload_id, payments.c.row, payments.c.created_at)
                      .where(payments.c.person_key == person_key, _ACTIVE)
                      .order_by(payments.c.created_at, payments.c.id))
        paid = paid[[p in set(pairs) for p in zip(paid["upload_id"], paid["row"])]].reset_index(drop=True)
        timeline = frame_of(conn, timeline_query(district).where(followups.c.person_key == person_key)
                          .order_by(followups.c.date.desc(), followups.c.id.desc()))
    timeline = _with_force(timeline)
    last = rows.iloc[-1]
    status, last_date = _current(timeline)
    return PersonRecord(person_key, last["name"], last["id_number_masked"], last["work_district"],
                        rows.reset_index(drop=True), paid, timeline, status, last_date)


def _with_force(timeline: pd.DataFrame) -> pd.DataFrame:
    timeline["date"] = pd.to_datetime(timeline["date"]).dt.date
    timeline["in_force"] = timeline["corrected_by"].isna() & (timeline["kind"] != VOID)
    return timeline


def _current(timeline: pd.DataFrame) -> tuple[str | None, dt.date | None]:
    """(the status in force, the date of the newest entry in force) of a timeline."""
    live = timeline[timeline["in_force"]]
    if live.empty:
        return None, None
    statuses = live[live["kind"] == "status"].sort_values(["date", "id"])
    return (statuses["value"].iloc[-1] if len(statuses) else None), max(live["date"])


# --- entries ------------------------------------------------------------------------------------

def _entry_values(kind: str, value: str, date, note: str, correction: bool) -> tuple[str, str, dt.date, str]:
    if kind == VOID and correction:
        value = VOID
    elif kind not in KINDS:
        raise AccountError("people.bad_kind")
    elif value not in followup_codes()[kind]:
        raise AccountError("people.bad_value")
    if isinstance(date, dt.datetime) or not isinstance(date, dt.date):
        date = date.date() if isinstance(date, dt.datetime) else None
    if date is None or date < EARLIEST:
        raise AccountError("people.bad_date", earliest=EARLIEST.isoformat())
    if date > dt.date.today():
        raise AccountError("people.future_date")
    note = (note or "").strip() if isinstance(note, str) else ""
    if correction and not note:
        raise AccountError("people.correction_needs_note")
    if len(note) > MAX_NOTE:
        raise AccountError("people.note_too_long", n=MAX_NOTE)
    return kind, value, date, note


def _person_for_entry(conn, user: User, person_key: str, district: str | None) -> tuple[str, str | None, str | None]:
    """(district, name, masked number) the entry is filed under: the person's newest stored row in
    the district ``user`` may write in (``district`` for a city officer; else the newest row's)."""
    own = writable_district(user, district)
    q = rows_in(select(roster_rows.c.work_district, uploads.c.district.label("upload_district"), roster_rows.c.name,
                       roster_rows.c.id_number_masked)
                .join(uploads, uploads.c.id == roster_rows.c.upload_id), own)
    newest = conn.execute(q.where(roster_rows.c.person_key == person_key)
                          .order_by(uploads.c.uploaded_at.desc(), roster_rows.c.upload_id.desc(),
                                    roster_rows.c.row.desc()).limit(1)).first()
    if newest is None:
        raise AccountError("people.not_found")
    where = own or newest.work_district or newest.upload_district
    if where is None:
        raise AccountError("people.no_district")
    return where, newest.name, newest.id_number_masked


def add_followup(user: User, person_key: str, kind: str, value: str, date: dt.date, note: str = "",
                 district: str | None = None, ip: str | None = None, demo: bool = False) -> int:
    """A new entry on a person's timeline (a status or a service), dated ``date``, by ``user``;
    audited. Returns its number."""
    kind, value, date, note = _entry_values(kind, value, date, note, correction=False)
    with transaction() as conn:
        where, name, masked = _person_for_entry(conn, user, person_key, district)
        fid = conn.execute(insert(followups).values(
            person_key=person_key, id_number_masked=masked, name=name, district=where, kind=kind, value=value,
            date=date, note=note, officer=user.name, created_at=utcnow(), corrects_id=None, demo=demo)
            .returning(followups.c.id)).scalar_one()
        audit.record(conn, "followup_add", actor=user.name, target=f"followup#{fid}", ip=ip, district=where,
                     id_number_masked=masked, kind=kind, value=value, date=date.isoformat())
    return fid


def correct_followup(user: User, entry_id: int, note: str, kind: str | None = None, value: str | None = None,
                     date: dt.date | None = None, ip: str | None = None) -> int:
    """A correction of entry ``entry_id``: a new entry naming it, with ``note`` saying what it
    corrects; ``kind``/``value``/``date`` default to the corrected entry's, ``kind="void"``
    cancels it. Only the entry in force can be corrected (one correction each). Audited."""
    with transaction() as conn:
        old = conn.execute(select(followups).where(followups.c.id == int(entry_id))).mappings().first()
        if old is None:
            raise AccountError("people.entry_not_found", id=entry_id)
        writable_district(user, old["district"])
        if old["kind"] == VOID:
            raise AccountError("people.cannot_correct_void", id=entry_id)
        kind, value, date, note = _entry_values(kind or old["kind"], value or old["value"],
                                                date or old["date"], note, correction=True)
        if conn.execute(select(followups.c.id).where(followups.c.corrects_id == old["id"])).first() is not None:
            raise AccountError("people.already_corrected", id=entry_id)
        try:
            with conn.begin_nested():
                fid = conn.execute(insert(followups).values(
                    person_key=old["person_key"], id_number_masked=old["id_number_masked"], name=old["name"],
                    district=old["district"], kind=kind, value=value, date=date, note=note, officer=user.name,
                    created_at=utcnow(), corrects_id=old["id"], demo=old["demo"])
                    .returning(followups.c.id)).scalar_one()
        except IntegrityError:            # another correction of the same entry came first
            raise AccountError("people.already_corrected", id=entry_id) from None
        audit.record(conn, "followup_correct", actor=user.name, target=f"followup#{fid}", ip=ip,
                     district=old["district"], id_number_masked=old["id_number_masked"], corrects=int(old["id"]),
                     kind=kind, value=value, date=date.isoformat())
    return fid
