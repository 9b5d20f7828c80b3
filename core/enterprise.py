"""Items paid to enterprises and bases, over tables of events (not per roster row).

- 三(五) 招聘补贴: each enterprise taking part in a poverty-alleviation recruitment fair held in a
  paired area; every district holds at least one such fair a year.
- 三(六) 爱心岗位: a post subsidy per person-month at the local 公益性岗位 standard (no default).
- 三(六) 爱心奖补: a national 就业扶贫基地 that hired ≥20 建档立卡 in the year, or a provincial base
  that hired ≥10; once per base.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core import reference
from core.i18n import t


def recruitment_fair_subsidies(fairs: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """One row per (fair, enterprise): input columns district, date, venue, enterprise.

    An enterprise listed twice for the same fair is paid once (the repeat is marked).
    """
    p = reference.policy()
    f = fairs.copy()
    f["date"] = pd.to_datetime(f["date"])
    f["enterprise"] = f["enterprise"].astype("string").str.strip()
    repeat = f.duplicated(subset=["district", "date", "venue", "enterprise"], keep="first").to_numpy()
    named = f["enterprise"].notna().to_numpy() & (f["enterprise"].fillna("") != "").to_numpy()
    pay = named & ~repeat
    f["amount"] = np.where(pay, int(p["recruitment_fair.per_enterprise"]), 0)
    f["clause"] = p.param("recruitment_fair.per_enterprise").clause
    reasons = np.full(len(f), t("enterprise.fair_paid", lang, amount=int(p["recruitment_fair.per_enterprise"])), dtype=object)
    reasons[repeat] = t("enterprise.fair_repeat", lang)
    reasons[~named] = t("enterprise.fair_no_enterprise", lang)
    f["reason"] = reasons
    return f


def fairs_per_district(fairs: pd.DataFrame, year: int) -> pd.DataFrame:
    """Fairs held per district in a year (every district listed, 0 where none): district, fairs, enterprises, flagged."""
    p = reference.policy()
    need = int(p["recruitment_fair.min_fairs_per_district_year"])
    names = reference.districts()["name"].tolist()
    if len(fairs):
        f = fairs.assign(date=pd.to_datetime(fairs["date"]))
        f = f[f["date"].dt.year == year]
        held = f.drop_duplicates(subset=["district", "date", "venue"]).groupby("district").size()
        firms = f.dropna(subset=["enterprise"]).groupby("district")["enterprise"].nunique()
    else:
        held = firms = pd.Series(dtype="int64")
    out = pd.DataFrame({"district": names})
    out["fairs"] = out["district"].map(held).fillna(0).astype(int)
    out["enterprises"] = out["district"].map(firms).fillna(0).astype(int)
    out["below_minimum"] = out["fairs"] < need
    return out


def districts_without_fair(fairs: pd.DataFrame, year: int) -> list[str]:
    t_ = fairs_per_district(fairs, year)
    return t_.loc[t_["below_minimum"], "district"].tolist()


def base_awards(bases: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Input: base, level ("national" / "provincial"), year, hires. Once per base: the first
    qualifying year is paid; later qualifying years are marked as already awarded."""
    p = reference.policy()
    b = bases.copy().reset_index(drop=True)
    level = b["level"].astype(str).str.strip().to_numpy()
    hires = pd.to_numeric(b["hires"], errors="coerce").fillna(0).astype(int).to_numpy()
    national = level == "national"
    provincial = level == "provincial"
    min_hires = np.where(national, int(p["base_award.national_min_hires"]), int(p["base_award.provincial_min_hires"]))
    amount = np.where(national, int(p["base_award.national_amount"]), int(p["base_award.provincial_amount"]))
    qualifies = (national | provincial) & (hires >= min_hires)
    order = b.assign(_q=qualifies).sort_values(["year"], kind="stable")
    first = order[order["_q"]].drop_duplicates(subset=["base"], keep="first").index
    paid = np.zeros(len(b), dtype=bool)
    paid[first] = True
    again = qualifies & ~paid
    b["status"] = np.where(paid, "eligible", "not_eligible")
    b["amount"] = np.where(paid, amount, 0)
    b["clause"] = p.param("base_award.national_amount").clause
    too_few = np.where(
        national,
        t("enterprise.base_too_few", lang, need=int(p["base_award.national_min_hires"])),
        t("enterprise.base_too_few", lang, need=int(p["base_award.provincial_min_hires"])),
    )
    reason = np.where(
        ~(national | provincial),
        t("enterprise.base_level_unknown", lang),
        np.where(hires >= min_hires, t("enterprise.base_paid", lang), too_few),
    ).astype(object)
    reason[again] = t("enterprise.base_already", lang)
    b["reason"] = reason
    return b


def love_post_subsidies(posts: pd.DataFrame, monthly_standard: float | None, lang: str = "zh") -> pd.DataFrame:
    """Input: employer, person, months. Eligibility and months always; an amount only once the
    local 公益性岗位 standard is configured (the notice gives no figure)."""
    p = reference.policy()
    out = posts.copy()
    months = pd.to_numeric(out["months"], errors="coerce").fillna(0).clip(lower=0)
    months = np.minimum(months.astype(int).to_numpy(), int(p["max_subsidy_months"]))
    out["counted_months"] = months
    out["clause"] = p.param("love_post.monthly").clause
    if monthly_standard is None:
        out["amount"] = pd.array([None] * len(out), dtype="Int64")
        out["reason"] = t("enterprise.love_post_no_standard", lang)
    else:
        out["amount"] = np.floor(months * float(monthly_standard) + 1e-9).astype("int64")
        out["reason"] = t("enterprise.love_post_paid", lang, monthly=monthly_standard)
    return out
