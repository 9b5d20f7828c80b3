"""Items paid to enterprises and bases, over tables of events (not per roster row).

- 三(五) 招聘补贴: each enterprise taking part in a poverty-alleviation recruitment fair held in a
  paired area; every district holds at least one such fair a year.
- 三(六) 爱心岗位: a post subsidy per person-month at the local 公益性岗位 standard (no default).
- 三(六) 爱心奖补: a national 就业扶贫基地 that hired ≥20 建档立卡 in the year, or a provincial base
  that hired ≥10; once per base.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from core import reference
from core.i18n import join_enum, t

MONTHS_PER_YEAR = 12     # a love-post entry is one year's months


def _window_text(lang: str) -> str:
    """"不在政策执行期（2018年1月1日至2020年12月31日）内" for the policy in force."""
    p = reference.policy()
    day = lambda d: t("rules.date", lang, y=d.year, m=d.month, d=d.day)  # noqa: E731
    return t("enterprise.outside_window", lang, start=day(p.start), end=day(p.end))


def _in_window_years(years: pd.Series) -> np.ndarray:
    """A year's events (a base's hires, a year of love-post months) fall in the policy window
    (三, last paragraph: 以上政策执行时间为 2018-01-01 至 2020-12-31, for every measure of 三)."""
    p = reference.policy()
    y = pd.to_numeric(years, errors="coerce")
    return ((y >= p.start.year) & (y <= p.end.year)).fillna(False).to_numpy(dtype=bool)


# ----------------------------------------------------------------------------------------------
# 三(五) 招聘补贴

@lru_cache(maxsize=1)
def paired_areas() -> tuple[str, ...]:
    """The counties Shaoxing's districts are paired with (二): their names, in reference order."""
    h = reference.sichuan_helped_counties()
    paired = h["paired_with_shaoxing"].fillna("").astype(str).str.strip() != ""
    return tuple(h.loc[paired, "name"])


@lru_cache(maxsize=1)
def _paired_area_pattern() -> re.Pattern:
    """The paired counties' full names and aliases; a bare short name (金川, 小金, 马边, 马尔康)
    counts only when no other Chinese character follows it, so that it is not part of another
    place's name (甘肃 金川区, 小金山). An alias ending as the county names do (县, 市) is a full name."""
    h = reference.sichuan_helped_counties().set_index("name").loc[list(paired_areas())]
    aliases = {a for v in h["aliases"].fillna("") for a in reference.split_aliases(v)}
    endings = {name[-1] for name in paired_areas()}
    full = set(paired_areas()) | {a for a in aliases if a[-1] in endings}
    short = aliases - full
    parts = [re.escape(n) for n in sorted(full, key=len, reverse=True)]
    parts += [re.escape(n) + r"(?![\u3400-\u9fff])" for n in sorted(short, key=len, reverse=True)]
    return re.compile("|".join(parts))


def in_paired_area(venue: pd.Series) -> np.ndarray:
    """三(五) fairs are held "前往对口帮扶地区": the venue names one of Shaoxing's paired counties
    (full name or short form: 马边彝族自治县 / 马边, 金川县 / 金川, 小金县 / 小金, 马尔康市 / 马尔康;
    any of the four, not only the district's own — how we read "对口帮扶地区")."""
    v = venue.astype("string").fillna("").str.replace(r"\s+", "", regex=True)
    return v.str.contains(_paired_area_pattern(), regex=True).fillna(False).to_numpy(dtype=bool)


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
    paired = in_paired_area(f["venue"])
    window = ((f["date"] >= pd.Timestamp(p.start)) & (f["date"] <= pd.Timestamp(p.end))).to_numpy(dtype=bool)
    pay = named & ~repeat & paired & window
    f["in_paired_area"] = paired
    f["amount"] = np.where(pay, int(p["recruitment_fair.per_enterprise"]), 0)
    f["clause"] = p.param("recruitment_fair.per_enterprise").clause
    reasons = np.full(len(f), t("enterprise.fair_paid", lang, amount=int(p["recruitment_fair.per_enterprise"])), dtype=object)
    reasons[repeat] = t("enterprise.fair_repeat", lang)
    reasons[~named] = t("enterprise.fair_no_enterprise", lang)
    reasons[~paired] = t("enterprise.fair_not_paired", lang, areas=join_enum(list(paired_areas()), lang))
    reasons[~window] = _window_text(lang)
    f["reason"] = reasons
    return f


def fairs_per_district(fairs: pd.DataFrame, year: int) -> pd.DataFrame:
    """Fairs held in a paired area per district in a year (every district listed, 0 where none):
    district, fairs, enterprises (distinct), attendances (an enterprise once per fair: 家次),
    below_minimum. A fair held elsewhere does not count (三(五))."""
    p = reference.policy()
    need = int(p["recruitment_fair.min_fairs_per_district_year"])
    names = reference.districts()["name"].tolist()
    if fairs is not None and len(fairs):
        f = fairs.assign(date=pd.to_datetime(fairs["date"], errors="coerce"))
        f = f[((f["date"].dt.year == year).fillna(False).to_numpy(dtype=bool)) & in_paired_area(f["venue"])]
        held = f.drop_duplicates(subset=["district", "date", "venue"]).groupby("district").size()
        firms = f.dropna(subset=["enterprise"]).groupby("district")["enterprise"]
        distinct, attendances = firms.nunique(), firms.count()
    else:
        held = distinct = attendances = pd.Series(dtype="int64")
    out = pd.DataFrame({"district": names})
    out["fairs"] = out["district"].map(held).fillna(0).astype(int)
    out["enterprises"] = out["district"].map(distinct).fillna(0).astype(int)
    out["attendances"] = out["district"].map(attendances).fillna(0).astype(int)   # 家次: one per fair
    out["below_minimum"] = out["fairs"] < need
    return out


def districts_without_fair(fairs: pd.DataFrame, year: int) -> list[str]:
    t_ = fairs_per_district(fairs, year)
    return t_.loc[t_["below_minimum"], "district"].tolist()


# ----------------------------------------------------------------------------------------------
# 三(六) 爱心奖补 and 爱心岗位

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
    window = _in_window_years(b["year"])
    qualifies = (national | provincial) & (hires >= min_hires) & window
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
    reason[~window] = _window_text(lang)
    b["reason"] = reason
    return b


def love_post_subsidies(posts: pd.DataFrame, monthly_standard: float | None, lang: str = "zh") -> pd.DataFrame:
    """Input: employer, person, months (and year, person_key when stored). Eligibility and months
    always; an amount only once the local 公益性岗位 standard is configured (the notice gives no
    figure).

    Counted months: one entry is one year's months (at most 12), and one person's entries
    together at most the 36 months of the notice's longest subsidy period (三, last paragraph),
    taken in year order. A person is their ID number (``person_key``); without one, their name
    at that employer; without a name, the entry alone."""
    p = reference.policy()
    cap = int(p["max_subsidy_months"])
    out = posts.copy()
    raw = pd.to_numeric(out["months"], errors="coerce").fillna(0).clip(lower=0).astype(int).to_numpy()
    window = _in_window_years(out["year"]) if "year" in out.columns else np.ones(len(out), dtype=bool)
    months = np.where(window, np.minimum(raw, MONTHS_PER_YEAR), 0)
    who = _love_post_person(out)
    order = np.lexsort((np.arange(len(out)), pd.to_numeric(out.get("year"), errors="coerce").fillna(0).to_numpy())) \
        if "year" in out.columns else np.arange(len(out))
    before = np.zeros(len(out), dtype=int)
    before[order] = pd.Series(months[order]).groupby(who[order]).cumsum().to_numpy() - months[order]
    counted = np.clip(cap - before, 0, months)
    out["counted_months"] = counted
    out["clause"] = p.param("love_post.monthly").clause
    if monthly_standard is None:
        out["amount"] = pd.array([None] * len(out), dtype="Int64")
        reason = np.full(len(out), t("enterprise.love_post_no_standard", lang), dtype=object)
    else:
        out["amount"] = np.floor(counted * float(monthly_standard) + 1e-9).astype("int64")
        reason = np.full(len(out), t("enterprise.love_post_paid", lang, monthly=monthly_standard), dtype=object)
    sep = t("common.list_separator", lang)
    year_cap = raw > MONTHS_PER_YEAR
    person_cap = counted < months
    reason[year_cap] = reason[year_cap] + sep + t("enterprise.love_post_year_cap", lang, months=MONTHS_PER_YEAR)
    reason[person_cap] = reason[person_cap] + sep + t("enterprise.love_post_person_cap", lang, cap=cap)
    reason[~window] = _window_text(lang)
    out["reason"] = reason
    return out


def _love_post_person(posts: pd.DataFrame) -> np.ndarray:
    """Who each love-post entry is for (a grouping key; see love_post_subsidies)."""
    n = len(posts)
    row = pd.Series([f"row:{i}" for i in range(n)], dtype=object)
    def text(col):
        return posts[col].astype("string").str.strip().fillna("").reset_index(drop=True) if col in posts else pd.Series([""] * n, dtype="string")
    key, name, employer = text("person_key"), text("person"), text("employer")
    by_name = ("name:" + name + "|" + employer).astype(object)
    who = row.where(name == "", by_name).where(key == "", ("id:" + key).astype(object))
    return who.to_numpy(dtype=object)
