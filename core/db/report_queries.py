"""The aggregates the monthly statistics table and the bulletin read (core.report, core.bulletin):
SQL that returns a few hundred rows however many rows are stored (1,000,000 in 1-1.5 s).

- New hires: the people counted toward the targets as core.progress counts them (valid rows of
  uploads not withdrawn, category 四省 or 其他中西部, each person once, by the row with the earliest
  首次来绍就业日期, ties in upload and row order), grouped by month, category, district and what
  decides 四川受帮扶地区 today (core.progress.helped_now runs on the groups).
- Items: what stored rows made due, and what the payments ledger holds as paid, by item.
- Follow-up services by their code, as ``core.db.people.services_given`` counts them.

A filed table counts real work only: demo data (``python -m core demo``: uploads, their ledger
entries, fairs and follow-up entries marked ``demo``) is left out of every figure, as the stored
progress leaves it out by default (core.db.stored_progress).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import and_, case, func, select, text

from core.db.models import ROW_ITEMS, payments, roster_rows, uploads
from core.db import people
from core.db.session import reading

COUNTED = ("paired_four", "other_central_western")
def _frame(q) -> pd.DataFrame:
    with reading() as conn:
        res = conn.execute(q)
        return pd.DataFrame(res.all(), columns=list(res.keys()))


# Each person counted once, by their earliest counted row (date, then upload, then row; core.progress
# puts NULL dates last): a row of the year is that row when no counted row of the same person comes
# before it. ``year`` is the year of first_employment_date (core.engine), so a row of the year has
# a date and a row before it has a date and a year no later: that bound lets PostgreSQL leave later
# years' partitions out. Each look-up reads only the index ix_roster_rows_person_first (migration
# 0008). A valid row always has a person_key (its ID number was read). The earlier form, the
# minimum of a sort key per person in one GROUP BY over every row, sorted a million keys and
# fetched each person's row back by id: 3.2-3.5 s of CPU on SQLite, 8 s on PostgreSQL at 1,000,000 rows
# (docs/STORAGE.md).
_MONTH = {"sqlite": "CAST(strftime('%m', r.first_employment_date) AS INTEGER)",
          "postgresql": "CAST(extract(month FROM r.first_employment_date) AS INTEGER)"}
_NEW_HIRES = """
SELECT {month} AS month, r.category, r.work_district, r.home_province_code, r.home_county, r.sichuan_helped,
       count(*) AS n
FROM roster_rows r JOIN uploads u ON u.id = r.upload_id
WHERE r.year = :year {district} AND u.withdrawn_at IS NULL AND NOT u.demo AND r.valid
  AND r.category IN ('paired_four', 'other_central_western')
  AND NOT EXISTS (
    SELECT 1 FROM roster_rows e JOIN uploads eu ON eu.id = e.upload_id
    WHERE e.person_key = r.person_key AND e.year <= :year AND e.first_employment_date <= r.first_employment_date
      AND eu.withdrawn_at IS NULL AND NOT eu.demo AND e.valid AND e.category IN ('paired_four', 'other_central_western')
      AND (e.first_employment_date < r.first_employment_date OR e.upload_id < r.upload_id
           OR (e.upload_id = r.upload_id AND e."row" < r."row")))
GROUP BY {month}, r.category, r.work_district, r.home_province_code, r.home_county, r.sichuan_helped
"""


def new_hire_groups(year: int, district: str | None = None) -> pd.DataFrame:
    """month, category, work_district, home_province_code, home_county, sichuan_helped, n: the
    counted people whose earliest row is of ``year``, each in the district of that row; only
    those of ``district`` when given (None: the city)."""
    params = {"year": int(year)}
    if district:
        params["district"] = district
    with reading() as conn:
        d = conn.dialect.name if conn.dialect.name in _MONTH else "postgresql"
        sql = _NEW_HIRES.format(month=_MONTH[d], district="AND r.work_district = :district" if district else "")
        res = conn.execute(text(sql), params)
        f = pd.DataFrame([tuple(r) for r in res.all()], columns=list(res.keys()))
    f["month"] = pd.to_numeric(f["month"]).astype("Int64")
    f["n"] = pd.to_numeric(f["n"]).astype("int64")
    f["sichuan_helped"] = f["sichuan_helped"].astype("boolean").fillna(False).astype(bool)
    return f


def _window(year: int, month: int) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """(start of the year, start of the month, start of the next month)."""
    start = dt.datetime(year, 1, 1)
    m0 = dt.datetime(year, month, 1)
    m1 = dt.datetime(year + month // 12, month % 12 + 1, 1)
    return start, m0, m1


def item_amounts(year: int, month: int, district: str | None = None) -> pd.DataFrame:
    """item, due_month, due_year, paid_month, paid_year (yuan): what rows stored in the month and
    in the year to its end made due (valid rows of uploads not withdrawn), and what the ledger
    entered as paid in the same windows (active entries), of ``district`` (None: the city)."""
    start, m0, m1 = _window(year, month)
    rr = roster_rows
    when = uploads.c.uploaded_at
    in_year = and_(when >= start, when < m1)
    in_month = and_(when >= m0, when < m1)
    cols = []
    for item in ROW_ITEMS:
        cols.append(func.coalesce(func.sum(case((in_month, rr.c[item]), else_=0)), 0).label(f"{item}__month"))
        cols.append(func.coalesce(func.sum(rr.c[item]), 0).label(f"{item}__year"))
    q = (select(*cols).select_from(rr.join(uploads, uploads.c.id == rr.c.upload_id))
         .where(uploads.c.withdrawn_at.is_(None), uploads.c.demo.is_(False), rr.c.valid.is_(True), in_year))
    if district:
        q = q.where(rr.c.work_district == district)
    with reading() as conn:
        due = conn.execute(q).mappings().first() or {}
        made = payments.c.created_at
        pq = (select(payments.c.item,
                     func.coalesce(func.sum(case((and_(made >= m0, made < m1), payments.c.amount), else_=0)), 0)
                     .label("paid_month"),
                     func.coalesce(func.sum(payments.c.amount), 0).label("paid_year"))
              .select_from(payments.join(uploads, uploads.c.id == payments.c.upload_id))
              .where(payments.c.active.is_(True), uploads.c.demo.is_(False), made >= start, made < m1)
              .group_by(payments.c.item))
        if district:
            pq = pq.join(rr, and_(rr.c.upload_id == payments.c.upload_id, rr.c.row == payments.c.row)) \
                .where(rr.c.work_district == district)
        paid = {r["item"]: r for r in conn.execute(pq).mappings()}
    rows = []
    for item in ROW_ITEMS:
        p = paid.get(item, {})
        rows.append({"item": item, "due_month": int(due.get(f"{item}__month") or 0),
                     "due_year": int(due.get(f"{item}__year") or 0),
                     "paid_month": int(p.get("paid_month") or 0), "paid_year": int(p.get("paid_year") or 0)})
    return pd.DataFrame(rows)


def services(year: int, month: int, district: str | None = None) -> pd.DataFrame:
    """kind, month, year: follow-up services given in the month and in the year to its end (by
    the entry's date), of ``district`` (None: the city), counted by ``core.db.people.services_given``
    (entries in force: a corrected entry counts as its correction says, a cancelled one not at all)."""
    start, m0, m1 = _window(year, month)
    last = (m1 - dt.timedelta(days=1)).date()
    in_month = people.services_given(m0.date(), last, district or None)
    in_year = people.services_given(start.date(), last, district or None)
    return pd.DataFrame({"kind": list(in_year), "month": [in_month.get(k, 0) for k in in_year],
                         "year": list(in_year.values())}).astype({"month": "int64", "year": "int64"})

