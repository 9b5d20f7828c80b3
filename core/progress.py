"""Progress against the hiring targets (二), counted per RULES.md.

Each person counts once (by ID number), in the calendar year of first employment in Shaoxing, only
if 建档立卡 = yes and the row is valid; the category does not depend on the policy window.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core import normalize, reference
from core.items import ITEMS

KEYS = ("total", "paired_four", "other_central_western", "sichuan_helped")


def targets_for(year: int, stored: dict | None = None) -> dict:
    """The city targets of a year: stored by an administrator, else the notice's (2018), else None."""
    if stored:
        return {k: stored.get(k) for k in KEYS}
    notice = reference.notice_targets().get(int(year))
    if notice:
        return {k: int(notice[k]) for k in KEYS}
    return {k: None for k in KEYS}


def helped_now(f: pd.DataFrame) -> pd.Series:
    """``sichuan_helped`` by the list of helped counties as it stands now (the file and the
    administrators' additions, core.reference): rows stored before a county was added (or
    removed) count by today's list. Where the frame lacks the columns to decide (household
    province code, county, ID number or its masked form), the row's own value stays."""
    region_col = "id_number" if "id_number" in f.columns else "id_number_masked"
    if not len(f) or not {"home_province_code", "home_county", region_col, "category"} <= set(f.columns):
        return f["sichuan_helped"]
    region = f[region_col].astype("string").str[:6]
    helped = normalize.helped_sichuan_county(f["home_county"].astype(object), region.astype(object))
    sichuan = reference.helped_counties_file()["code"].str[:2].iloc[0]
    now = (f["category"] == "paired_four").fillna(False) & (f["home_province_code"] == sichuan).fillna(False) \
        & helped.fillna(False)
    now = now.to_numpy(dtype=bool)
    if region_col == "id_number_masked":
        # a stored mask keeps no region code (docs/DATA_PROTECTION.md): where the county is blank,
        # the ID number decided when the row was checked, and that stays
        no_county = f["home_county"].astype("string").fillna("").str.strip().eq("").to_numpy(dtype=bool)
        now = np.where(no_county, f["sichuan_helped"].fillna(False).to_numpy(dtype=bool), now)
    return pd.Series(now, index=f.index)


def counted_people(frame: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """The valid rows that count toward a target, each ID number once: its row with the earliest
    首次来绍就业日期 (the first valid row among equal dates), then only those of ``year``.

    RULES.md, hiring targets: "Each person counts once (by ID number), in the calendar year of
    first employment". Within one roster a repeated ID number is already an error row; across
    stored uploads the same person may come with different dates, and is counted once, in the
    year of the earliest (not once in each year)."""
    f = frame
    if "valid" in f.columns:
        f = f[f["valid"].to_numpy(dtype=bool)]
    f = f[f["category"].isin(["paired_four", "other_central_western"]).to_numpy()]
    key = "person_key" if "person_key" in f.columns else "id_number"
    # rows in date order (NaT last, ties in input order); the first of each person is kept, in
    # input order (positions, so any index will do)
    order = (pd.to_datetime(f["first_employment_date"], errors="coerce").to_numpy().argsort(kind="stable")
             if "first_employment_date" in f.columns else np.arange(len(f)))
    keep = np.zeros(len(f), dtype=bool)
    keep[order[~f[key].iloc[order].duplicated().to_numpy()]] = True
    f = f[keep]
    if year is not None:
        f = f[(f["year"] == year).fillna(False).to_numpy(dtype=bool)]
    return f.assign(sichuan_helped=helped_now(f)) if "sichuan_helped" in f.columns else f


def _counts(f: pd.DataFrame) -> dict:
    cat = f["category"].astype(object)
    paired = int((cat == "paired_four").sum())
    other = int((cat == "other_central_western").sum())
    return {
        "total": paired + other,
        "paired_four": paired,
        "other_central_western": other,
        "sichuan_helped": int(f["sichuan_helped"].astype(bool).sum()),
    }


def progress(frame: pd.DataFrame, year: int, targets: dict | None = None) -> dict:
    """The object ``python -m core progress --format json`` prints (ROSTER.md)."""
    people = counted_people(frame, year)
    by_district = {}
    for name in reference.districts()["name"]:
        by_district[name] = _counts(people[(people["work_district"] == name).fillna(False).to_numpy(dtype=bool)])
    return {
        "year": int(year),
        "city": _counts(people),
        "targets": targets_for(year, targets),
        "by_district": by_district,
    }


def monthly_new_hires(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """New counted hires per month of the year: columns month (1..12), category, district, count."""
    people = counted_people(frame, year)
    month = pd.to_datetime(people["first_employment_date"]).dt.month
    out = (
        pd.DataFrame({"month": month, "category": people["category"].astype(str), "district": people["work_district"].astype(str)})
        .groupby(["month", "category", "district"], observed=True)
        .size()
        .rename("count")
        .reset_index()
    )
    return out


def amounts_by_district(frame: pd.DataFrame) -> pd.DataFrame:
    """Subsidy amounts of valid rows by district and item: columns district, item, amount."""
    f = frame[frame["valid"].to_numpy(dtype=bool)] if "valid" in frame.columns else frame
    long = f.groupby(f["work_district"].astype(str), observed=True)[list(ITEMS)].sum()
    long = long.reset_index().melt(id_vars="work_district", var_name="item", value_name="amount")
    return long.rename(columns={"work_district": "district"})
