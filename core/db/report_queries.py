"""The aggregates the monthly statistics table and the bulletin read (core.report, core.bulletin):
SQL that returns a few hundred rows however many rows are stored (1,000,000 in a second or two).

- New hires: the people counted toward the targets as core.progress counts them (valid rows of
  uploads not withdrawn, category 四省 or 其他中西部, each person once, by the row with the earliest
  首次来绍就业日期, ties in upload and row order), grouped by month, category, district and what
  decides 四川受帮扶地区 today (core.progress.helped_now runs on the groups).
- Items: what stored rows made due, and what the payments ledger holds as paid, by item.
- Follow-up services by their code, as ``core.db.people.services_given`` counts them.
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


# The earliest counted row of each person in one GROUP BY (a window function over a million rows
# took three times as long on SQLite): the minimum of a key that sorts as (date, upload, row) and
# ends with the row's id, which is then looked up. NULL dates sort last, as in core.progress.
_FIRST_KEY = {
    "sqlite": "coalesce(r.first_employment_date, '9999-12-31') || printf('%010d%08d%012d', r.upload_id, r.\"row\", r.id)",
    "postgresql": "coalesce(to_char(r.first_employment_date, 'YYYY-MM-DD'), '9999-12-31') || lpad(r.upload_id::text, 10, '0')"
                  " || lpad(r.\"row\"::text, 8, '0') || lpad(r.id::text, 12, '0')",
}
_MONTH = {"sqlite": "CAST(strftime('%m', r.first_employment_date) AS INTEGER)",
          "postgresql": "CAST(extract(month FROM r.first_employment_date) AS INTEGER)"}
# SQLite groups faster by sorting than by walking the person_key index and fetching every row
_GROUP = {"sqlite": "r.person_key || ''", "postgresql": "r.person_key"}
_NEW_HIRES = """
WITH first AS (
  SELECT min({key}) AS k
  FROM roster_rows r JOIN uploads u ON u.id = r.upload_id
  WHERE u.withdrawn_at IS NULL AND r.valid AND r.category IN ('paired_four', 'other_central_western')
  GROUP BY {group})
SELECT {month} AS month, r.category, r.work_district, r.home_province_code, r.home_county, r.sichuan_helped,
       count(*) AS n
FROM first JOIN roster_rows r ON r.id = CAST(substr(first.k, 29) AS INTEGER)
WHERE r.year = :year
GROUP BY {month}, r.category, r.work_district, r.home_province_code, r.home_county, r.sichuan_helped
"""


def new_hire_groups(year: int) -> pd.DataFrame:
    """month, category, work_district, home_province_code, home_county, sichuan_helped, n: the
    counted people whose earliest row is of ``year`` (city-wide: a person is counted in the
    district of that row)."""
    with reading() as conn:
        d = conn.dialect.name if conn.dialect.name in _FIRST_KEY else "postgresql"
        sql = _NEW_HIRES.format(key=_FIRST_KEY[d], month=_MONTH[d], group=_GROUP[d])
        res = conn.execute(text(sql), {"year": int(year)})
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
         .where(uploads.c.withdrawn_at.is_(None), rr.c.valid.is_(True), in_year))
    if district:
        q = q.where(rr.c.work_district == district)
    with reading() as conn:
        due = conn.execute(q).mappings().first() or {}
        made = payments.c.created_at
        pq = (select(payments.c.item,
                     func.coalesce(func.sum(case((and_(made >= m0, made < m1), payments.c.amount), else_=0)), 0)
                     .label("paid_month"),
                     func.coalesce(func.sum(payments.c.amount), 0).label("paid_year"))
              .where(payments.c.active.is_(True), made >= start, made < m1)
              .group_by(payments.c.item))
        if district:
            pq = pq.select_from(payments.join(rr, and_(rr.c.upload_id == payments.c.upload_id, rr.c.row == payments.c.row))) \
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

