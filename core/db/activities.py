"""The 工作台帐 (notice 四、三: 要建立工作台帐; publicity: 四、四): each cooperation activity of a
district, with its date, place, people reached and a note: joint meetings, recruitment fairs,
training classes, visits to paired counties, publicity, others (``data/reference/activity_kinds.csv``, texts
``people.activity.*``).

- A recruitment fair is the record in ``fairs`` (the events page): an entry of kind ``fair``
  links it by ``fair_id`` and adds what the fair record does not hold (people reached, a note);
  its date, district and place are the fair's (the entry keeps the fair's date and district only
  to be filtered with the others). Every recorded fair appears in the list, linked or not; a
  withdrawn fair drops out with its entry.
- Demo data (``python -m core demo``: fairs, entries marked ``demo``) is left out unless asked
  for, as the 统计报表 counts no demo fair and the dashboard shows none by default
  (core.db.stored_progress); asked for, its rows say 示例数据 as their source.
- Entries are never changed or deleted: a correction is a new entry naming the one it corrects,
  with a note; ``void`` cancels one made in error (one correction an entry). Audited.
- A district officer reads and writes their district's entries only; city officers and
  administrators all; leaders read.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pandas as pd
from sqlalchemy import and_, exists, func, insert, select
from sqlalchemy.exc import IntegrityError

from core.db import audit
from core.db.accounts import AccountError, User, canonical_district
from core.db.models import activities, fair_enterprises, fairs
from core.db.people import EARLIEST, MAX_NOTE, VOID, frame_of, scope, writable_district
from core.db.session import reading, transaction, utcnow
from core.i18n import t
from core.paths import DATA
from core.table_xlsx import table_xlsx

FAIR = "fair"
COLUMNS = ["id", "source", "kind", "date", "district", "place", "people_reached", "enterprises", "note", "fair_id",
           "created_by", "created_at", "demo"]


@lru_cache(maxsize=None)
def activity_kinds() -> tuple[str, ...]:
    return tuple(pd.read_csv(DATA / "reference" / "activity_kinds.csv", dtype=str)["code"])


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date) or value < EARLIEST:
        raise AccountError("people.bad_date", earliest=EARLIEST.isoformat())
    if value > dt.date.today():
        raise AccountError("people.future_date")
    return value


def _people(value) -> int | None:
    if value is None or value == "":
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise AccountError("people.bad_people") from None
    if n < 0 or n != float(value):
        raise AccountError("people.bad_people")
    return n


def _note(value, required: bool) -> str:
    note = value.strip() if isinstance(value, str) else ""
    if required and not note:
        raise AccountError("people.correction_needs_note")
    if len(note) > MAX_NOTE:
        raise AccountError("people.note_too_long", n=MAX_NOTE)
    return note


def _fair(conn, fair_id, district: str | None):
    """The fair ``fair_id`` (not withdrawn, in ``district`` when one is given)."""
    try:
        fid = int(fair_id)
    except (TypeError, ValueError):
        raise AccountError("people.fair_required") from None
    row = conn.execute(select(fairs.c.id, fairs.c.date, fairs.c.district)
                       .where(fairs.c.id == fid, fairs.c.withdrawn_at.is_(None))).first()
    if row is None or (district is not None and row.district != district):
        raise AccountError("people.fair_not_found", id=fid)
    return row


def _in_force():
    later = activities.alias("later")
    return and_(~exists().where(later.c.corrects_id == activities.c.id), activities.c.kind != VOID)


def _values(conn, user: User, kind: str, date, district, place, people_reached, note, fair_id,
            correction: bool, skip_fair: int | None = None) -> dict:
    if kind not in activity_kinds():
        raise AccountError("people.bad_activity_kind")
    if kind == FAIR:
        own = writable_district(user, None)
        fair = _fair(conn, fair_id, own)
        linked = conn.execute(select(activities.c.id).where(activities.c.fair_id == fair.id, _in_force())).first()
        if linked is not None and linked.id != skip_fair:
            raise AccountError("people.fair_already_linked", id=fair.id)
        date, district, place = fair.date, fair.district, ""        # the fair's, shown from the fair
    else:
        if fair_id not in (None, ""):
            raise AccountError("people.fair_only_for_fairs")
        district = canonical_district(district) if district else None
        if district is None:
            raise AccountError("people.bad_district")
        district = writable_district(user, district)
        date = _date(date)
        place = (place or "").strip()[:255] if isinstance(place, str) else ""
        if not place:
            raise AccountError("people.place_required")
        fair_id = None
    return dict(kind=kind, date=date, district=district, place=place, people_reached=_people(people_reached),
                note=_note(note, correction), fair_id=None if kind != FAIR else int(fair_id))


def add_activity(user: User, kind: str, date: dt.date | None = None, district: str | None = None, place: str = "",
                 people_reached: int | None = None, note: str = "", fair_id: int | None = None,
                 ip: str | None = None, demo: bool = False) -> int:
    """A new entry of the 台帐 (a fair: ``fair_id`` of its record; date, district and place are the
    fair's). Audited; returns its number."""
    writable_district(user, None)
    with transaction() as conn:
        values = _values(conn, user, kind, date, district, place, people_reached, note, fair_id, correction=False)
        aid = conn.execute(insert(activities).values(**values, created_by=user.name, created_at=utcnow(),
                                                     corrects_id=None, demo=demo)
                           .returning(activities.c.id)).scalar_one()
        audit.record(conn, "activity_add", actor=user.name, target=f"activity#{aid}", ip=ip, kind=kind,
                     district=values["district"], date=values["date"].isoformat(), fair_id=values["fair_id"],
                     people_reached=values["people_reached"])
    return aid


_KEEP = object()


def correct_activity(user: User, activity_id: int, note: str, kind: str | None = None, date: dt.date | None = None,
                     place: str | None = None, people_reached=_KEEP, void: bool = False,
                     ip: str | None = None) -> int:
    """A correction of entry ``activity_id`` (in force, in a district ``user`` may write in): a new
    entry naming it with ``note``; what is not given stays as it was; ``void`` cancels it."""
    with transaction() as conn:
        old = conn.execute(select(activities).where(activities.c.id == int(activity_id))).mappings().first()
        if old is None:
            raise AccountError("people.entry_not_found", id=activity_id)
        writable_district(user, old["district"])
        if old["kind"] == VOID:
            raise AccountError("people.cannot_correct_void", id=activity_id)
        if conn.execute(select(activities.c.id).where(activities.c.corrects_id == old["id"])).first() is not None:
            raise AccountError("people.already_corrected", id=activity_id)
        if void:
            values = dict(kind=VOID, date=old["date"], district=old["district"], place=old["place"],
                          people_reached=old["people_reached"], note=_note(note, True), fair_id=old["fair_id"])
        else:
            values = _values(conn, user, kind or old["kind"], date or old["date"], old["district"],
                             old["place"] if place is None else place,
                             old["people_reached"] if people_reached is _KEEP else people_reached, note,
                             old["fair_id"], correction=True, skip_fair=old["id"])
        try:
            with conn.begin_nested():
                aid = conn.execute(insert(activities).values(**values, created_by=user.name, created_at=utcnow(),
                                                             corrects_id=old["id"], demo=old["demo"])
                                   .returning(activities.c.id)).scalar_one()
        except IntegrityError:            # another correction of the same entry came first
            raise AccountError("people.already_corrected", id=activity_id) from None
        audit.record(conn, "activity_correct", actor=user.name, target=f"activity#{aid}", ip=ip,
                     corrects=int(old["id"]), kind=values["kind"], district=values["district"],
                     date=values["date"].isoformat(), people_reached=values["people_reached"])
    return aid


def activities_frame(user: User, kinds=None, district: str | None = None, start: dt.date | None = None,
                     end: dt.date | None = None, include_demo: bool = False) -> pd.DataFrame:
    """The 台帐 ``user`` may read (``COLUMNS``), newest first: the entries in force and every
    recorded fair not withdrawn (a fair with an entry once, as that entry; ``source`` says which),
    kept to ``kinds``, ``district`` and ``start`` … ``end`` (both included); demo entries and
    fairs only with ``include_demo`` (``demo`` says which)."""
    own = scope(user)
    if own is not None and district and district != own:
        raise AccountError("people.not_your_district", district=district)
    where = own or district or None
    if start and end and start > end:
        raise AccountError("people.bad_range")
    firms = (select(fair_enterprises.c.fair_id, func.count().label("enterprises"))
             .group_by(fair_enterprises.c.fair_id).subquery())
    with reading() as conn:
        entries = frame_of(conn, select(activities.c.id, activities.c.kind, activities.c.date, activities.c.district,
                                      activities.c.place, activities.c.people_reached, activities.c.note,
                                      activities.c.fair_id, activities.c.created_by, activities.c.created_at,
                                      activities.c.demo)
                         .where(_in_force(), *([] if include_demo else [activities.c.demo.is_(False)])))
        recorded = frame_of(conn, select(fairs.c.id.label("fair_id"), fairs.c.date, fairs.c.district,
                                       fairs.c.venue.label("place"), firms.c.enterprises, fairs.c.created_by,
                                       fairs.c.created_at, fairs.c.demo)
                          .outerjoin(firms, firms.c.fair_id == fairs.c.id)
                          .where(fairs.c.withdrawn_at.is_(None), *([] if include_demo else [fairs.c.demo.is_(False)])))
    linked = entries[entries["kind"] == FAIR].drop(columns=["date", "district", "place"])
    linked = linked.merge(recorded.drop(columns=["created_by", "created_at", "demo"]), on="fair_id", how="inner")
    others = entries[entries["kind"] != FAIR].assign(enterprises=pd.NA)
    alone = recorded[~recorded["fair_id"].isin(linked["fair_id"])].assign(
        id=pd.NA, kind=FAIR, people_reached=pd.NA, note="")
    out = pd.concat([others.assign(source="ledger"), linked.assign(source="ledger"), alone.assign(source="fair")],
                    ignore_index=True)
    if out.empty:
        return pd.DataFrame(columns=COLUMNS)
    out["date"] = pd.to_datetime(out["date"]).dt.date
    keep = pd.Series(True, index=out.index)
    if kinds:
        keep &= out["kind"].isin(list(kinds))
    if where:
        keep &= out["district"] == where
    if start:
        keep &= out["date"] >= start
    if end:
        keep &= out["date"] <= end
    out = out[keep.to_numpy(dtype=bool)]
    for col in ("id", "people_reached", "enterprises", "fair_id"):
        out[col] = pd.to_numeric(out[col]).astype("Int64")
    out["demo"] = out["demo"].astype("boolean").fillna(False).astype(bool)
    return out.sort_values(["date", "fair_id", "id"], ascending=False).reset_index(drop=True)[COLUMNS]


def display(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The 台帐 as officers read it (the page and the workbook)."""
    out = pd.DataFrame({
        "id": frame["id"], "date": frame["date"], "district": frame["district"],
        "kind": frame["kind"].map(lambda k: t(f"people.activity.{k}", lang)),
        "place": frame["place"], "people_reached": frame["people_reached"], "enterprises": frame["enterprises"],
        "note": frame["note"],
        "source": [t("ui.dashboard.source_demo", lang) if demo else t(f"people.source.{s}", lang)
                   for s, demo in zip(frame["source"], frame.get("demo", pd.Series(False, index=frame.index)))],
        "created_by": frame["created_by"],
    })
    out.columns = [t(f"people.col.{c}", lang) for c in out.columns]
    return out.reset_index(drop=True)


def ledger_xlsx(frame: pd.DataFrame, lang: str = "zh", today: dt.date | None = None) -> bytes:
    title = t("people.export_title.ledger", lang, day=(today or dt.date.today()).isoformat())
    return table_xlsx([(t("people.sheet.ledger", lang), title, display(frame, lang))])
