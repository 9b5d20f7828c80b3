"""Events entered through forms: recruitment fairs (with their enterprises), love posts, bases.

The ``*_frame`` functions return the tables in the shape ``core.enterprise`` takes. Entries are
withdrawn, never deleted; every entry and withdrawal is audited.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Table, insert, select, update

from core import idnumber, normalize, reference
from core.db import audit, ids
from core.enterprise import MONTHS_PER_YEAR, province_from_venue
from core.db.accounts import AccountError, User, can, canonical_district
from core.db.models import bases, fair_enterprises, fairs, love_posts
from core.db.session import reading, transaction, utcnow

LEVELS = ("national", "provincial")
KINDS: dict[str, Table] = {"fair": fairs, "love_post": love_posts, "base": bases}


def _require(user: User) -> None:
    if not can(user, "events"):
        raise AccountError("db.permission_denied")


def _district(value: str | None, required: bool) -> str | None:
    if not value:
        if required:
            raise AccountError("db.events.bad_district")
        return None
    canon = canonical_district(value)
    if canon is None:
        raise AccountError("db.events.bad_district")
    return canon


def _int(value, minimum: int = 0, maximum: int | None = None) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise AccountError("db.events.bad_months") from None
    if n < minimum or n != float(value) or (maximum is not None and n > maximum):
        raise AccountError("db.events.bad_months")
    return n


def _text(value) -> str:
    v = (value or "").strip() if isinstance(value, str) else ""
    if not v:
        raise AccountError("db.events.required")
    return v[:255]


def _province(value: str | None, venue: str) -> str:
    """A fair's province as its 2-digit code: the one given (a code, or a name such as 四川 /
    四川省), else the one the place names (core.enterprise.province_from_venue); refused when
    neither says."""
    text = (value or "").strip() if isinstance(value, str) else ""
    if text:
        if text in set(reference.provinces()["code"]):
            return text
        parsed = normalize.parse_province(pd.Series([text], dtype=object))
        if parsed.invalid[0] or parsed.blank[0]:
            raise AccountError("db.events.bad_province")
        return str(parsed.values.iloc[0])
    derived = province_from_venue(pd.Series([venue])).iloc[0]
    if pd.isna(derived):
        raise AccountError("db.events.province_required")
    return str(derived)


#: enterprises one fair may list (each is a row and a 招聘补贴 of its own): a pasted list of
#: thousands of lines is a slip, refused with a sentence; the page's box takes at most
#: MAX_ENTERPRISE_TEXT characters (names of up to 255, one a line)
MAX_FAIR_ENTERPRISES = 1000
MAX_ENTERPRISE_TEXT = 60_000


def add_fair(user: User, district: str, date: dt.date, venue: str, enterprises: list[str],
             ip: str | None = None, demo: bool = False, province: str | None = None) -> int:
    """A fair and its enterprises. ``venue`` is the place; ``province`` its province (三(五):
    a fair counts anywhere in the four paired provinces); without one, the place must name it."""
    _require(user)
    district = _district(district, True)
    if not isinstance(date, dt.date):
        raise AccountError("db.events.bad_date")
    venue = _text(venue)
    province = _province(province, venue)
    names = list(dict.fromkeys(e.strip()[:255] for e in enterprises if e and e.strip()))
    if not names:
        raise AccountError("db.events.no_enterprise")
    if len(names) > MAX_FAIR_ENTERPRISES:
        raise AccountError("db.events.too_many_enterprises", most=MAX_FAIR_ENTERPRISES)
    with transaction() as conn:
        fid = conn.execute(insert(fairs).values(district=district, date=date, venue=venue, province=province,
                                                created_by=user.name, created_at=utcnow(), demo=demo)
                           .returning(fairs.c.id)).scalar_one()
        conn.execute(insert(fair_enterprises), [{"fair_id": fid, "enterprise": n} for n in names])
        audit.record(conn, "event_add", actor=user.name, target=f"fair#{fid}", ip=ip, kind="fair",
                     district=district, date=date.isoformat(), province=province, venue=venue, enterprises=len(names))
    return fid


def set_fair_province(user: User, fair_id: int, province: str, ip: str | None = None) -> None:
    """Record the province of a stored fair (one stored before the province had its own field,
    or recorded wrongly); audited with the old and new values."""
    _require(user)
    province = _province(province, "")
    with transaction() as conn:
        old = conn.execute(select(fairs.c.province).where(fairs.c.id == int(fair_id), fairs.c.withdrawn_at.is_(None))
                           ).first()
        if old is None:
            raise AccountError("db.upload.not_found", upload_id=fair_id)
        conn.execute(update(fairs).where(fairs.c.id == int(fair_id)).values(province=province))
        audit.record(conn, "event_update", actor=user.name, target=f"fair#{fair_id}", ip=ip, kind="fair",
                     old=old[0], new=province)


def add_love_post(user: User, employer: str, year: int, months: int, person_name: str | None = None,
                  id_number: str | None = None, district: str | None = None, ip: str | None = None,
                  demo: bool = False) -> int:
    _require(user)
    employer = _text(employer)
    months = _int(months, 0, MONTHS_PER_YEAR)   # one record is one year's months
    year = _int(year, 2000)
    district = _district(district, False)
    key = masked = None
    if id_number and id_number.strip():
        s = pd.Series([id_number.strip()])
        check = idnumber.check_ids(s, dt.date.today())
        if check.error[0] != idnumber.OK:       # the roster's own reason (check digit, date, region …)
            raise AccountError(idnumber.ERROR_KEYS[int(check.error[0])], as_of=dt.date.today().isoformat())
        key, masked = ids.person_keys(s).iloc[0], ids.masked(s).iloc[0]
    with transaction() as conn:
        pid = conn.execute(insert(love_posts).values(
            employer=employer, person_name=(person_name or "").strip()[:64] or None, person_key=key,
            id_number_masked=masked, year=year, months=months, district=district, created_by=user.name,
            created_at=utcnow(), demo=demo).returning(love_posts.c.id)).scalar_one()
        audit.record(conn, "event_add", actor=user.name, target=f"love_post#{pid}", ip=ip, kind="love_post",
                     employer=employer, year=year, months=months)
    return pid


def add_base(user: User, base: str, level: str, year: int, hires: int, district: str | None = None,
             ip: str | None = None, demo: bool = False) -> int:
    _require(user)
    base = _text(base)
    if level not in LEVELS:
        raise AccountError("db.events.bad_level")
    year = _int(year, 2000)
    hires = _int(hires)
    district = _district(district, False)
    with transaction() as conn:
        bid = conn.execute(insert(bases).values(base=base, level=level, year=year, hires=hires, district=district,
                                                created_by=user.name, created_at=utcnow(), demo=demo)
                           .returning(bases.c.id)).scalar_one()
        audit.record(conn, "event_add", actor=user.name, target=f"base#{bid}", ip=ip, kind="base", base=base,
                     level=level, year=year, hires=hires)
    return bid


def withdraw_event(kind: str, event_id: int, user: User, ip: str | None = None) -> None:
    _require(user)
    table = KINDS[kind]
    with transaction() as conn:
        res = conn.execute(update(table).where(table.c.id == event_id, table.c.withdrawn_at.is_(None))
                           .values(withdrawn_at=utcnow(), withdrawn_by=user.name))
        if res.rowcount == 0:
            raise AccountError("db.upload.not_found", upload_id=event_id)
        audit.record(conn, "event_withdraw", actor=user.name, target=f"{kind}#{event_id}", ip=ip, kind=kind)


def _frame(q) -> pd.DataFrame:
    with reading() as conn:
        res = conn.execute(q)
        return pd.DataFrame(res.all(), columns=list(res.keys()))


def fairs_frame(year: int | None = None) -> pd.DataFrame:
    """One row per (fair, enterprise): fair_id, district, date, province (code; None on fairs stored
    before it had its own field), venue, enterprise, demo."""
    q = (select(fairs.c.id.label("fair_id"), fairs.c.district, fairs.c.date, fairs.c.province, fairs.c.venue,
                fair_enterprises.c.enterprise, fairs.c.demo)
         .join(fair_enterprises, fair_enterprises.c.fair_id == fairs.c.id)
         .where(fairs.c.withdrawn_at.is_(None)).order_by(fairs.c.date, fairs.c.id, fair_enterprises.c.id))
    f = _frame(q)
    f["date"] = pd.to_datetime(f["date"])
    if year is not None:
        f = f[(f["date"].dt.year == int(year)).to_numpy(dtype=bool)].reset_index(drop=True)
    return f


def love_posts_frame(year: int | None = None) -> pd.DataFrame:
    """id, employer, person (name), id_number_masked, person_key, year, months, district, demo."""
    q = (select(love_posts.c.id, love_posts.c.employer, love_posts.c.person_name.label("person"),
                love_posts.c.id_number_masked, love_posts.c.person_key, love_posts.c.year, love_posts.c.months,
                love_posts.c.district, love_posts.c.demo)
         .where(love_posts.c.withdrawn_at.is_(None)).order_by(love_posts.c.id))
    if year is not None:
        q = q.where(love_posts.c.year == int(year))
    return _frame(q)


def bases_frame(year: int | None = None) -> pd.DataFrame:
    """id, base, level ("national"/"provincial"), year, hires, district, demo."""
    q = (select(bases.c.id, bases.c.base, bases.c.level, bases.c.year, bases.c.hires, bases.c.district, bases.c.demo)
         .where(bases.c.withdrawn_at.is_(None)).order_by(bases.c.year, bases.c.id))
    if year is not None:
        q = q.where(bases.c.year == int(year))
    return _frame(q)
