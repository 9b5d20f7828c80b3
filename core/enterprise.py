"""Items paid to enterprises and bases, over tables of events (not per roster row).

- 三(五) 招聘补贴: each enterprise taking part in a poverty-alleviation recruitment fair held in the
  对口帮扶地区, read as anywhere in the four paired provinces (RULES.md); every district holds at
  least one such fair a year. Whether the fair was in the district's own paired county is shown
  beside it, and does not decide the subsidy.
- 三(六) 爱心岗位: a post subsidy per person-month at the local 公益性岗位 standard (no default),
  under the monthly-items rule (months inside the policy window, at most 36 per person).
- 三(六) 爱心奖补: a national 就业扶贫基地 that hired ≥20 建档立卡 in the year (100,000), a
  provincial base that hired ≥10 贫困人员 (50,000); each level at most once per base.

Every result depends on the records, never on their order.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from core import idnumber, normalize, reference
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


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    """A text column, NFKC, trimmed, inner spaces removed ("" where missing or absent)."""
    if col not in frame.columns:
        return pd.Series([""] * len(frame), dtype="string")
    s = frame[col].astype("string").fillna("").reset_index(drop=True)
    return s.str.normalize("NFKC").str.replace(r"\s+", "", regex=True)


# ----------------------------------------------------------------------------------------------
# 三(五) 招聘补贴

def paired_provinces() -> tuple[str, ...]:
    """The four provinces Zhejiang helps (二; 三 last paragraph): 2-digit codes, from the policy."""
    return tuple(str(c) for c in reference.policy()["paired_provinces"])


def province_names(codes) -> list[str]:
    """Short names (四川 …) of province codes, in the order given."""
    short = dict(zip(reference.provinces()["code"], reference.provinces()["short"]))
    return [short.get(str(c), str(c)) for c in codes]


@lru_cache(maxsize=1)
def paired_areas() -> tuple[str, ...]:
    """The counties Shaoxing's districts are paired with (二): their names, in reference order."""
    h = reference.helped_counties_file()
    paired = h["paired_with_shaoxing"].fillna("").astype(str).str.strip() != ""
    return tuple(h.loc[paired, "name"])


def _county_pattern(names: list[str]) -> re.Pattern:
    """The counties' full names and aliases; a bare short name (金川, 小金, 马边, 马尔康) counts
    only when no other Chinese character follows it, so that it is not part of another place's
    name (甘肃 金川区, 小金山). An alias ending as the county names do (县, 市) is a full name."""
    h = reference.helped_counties_file().set_index("name").loc[names]
    aliases = {a for v in h["aliases"].fillna("") for a in reference.split_aliases(v)}
    endings = {name[-1] for name in names}
    full = set(names) | {a for a in aliases if a[-1] in endings}
    short = aliases - full
    parts = [re.escape(n) for n in sorted(full, key=len, reverse=True)]
    parts += [re.escape(n) + r"(?![\u3400-\u9fff])" for n in sorted(short, key=len, reverse=True)]
    return re.compile("|".join(parts))


@lru_cache(maxsize=None)
def _paired_area_pattern(county: str | None = None) -> re.Pattern:
    return _county_pattern([county] if county else list(paired_areas()))


def in_paired_area(venue: pd.Series) -> np.ndarray:
    """The venue names one of Shaoxing's four paired counties (full name or short form:
    马边彝族自治县 / 马边, 金川县 / 金川, 小金县 / 小金, 马尔康市 / 马尔康)."""
    v = venue.astype("string").fillna("").str.replace(r"\s+", "", regex=True)
    return v.str.contains(_paired_area_pattern(), regex=True).fillna(False).to_numpy(dtype=bool)


@lru_cache(maxsize=1)
def _province_prefix() -> tuple[re.Pattern, dict[str, str]]:
    """A place that starts with a province's name (四川省…, 贵州…, 湖北恩施…)."""
    names: dict[str, str] = {}
    for row in reference.provinces().itertuples(index=False):
        for name in (row.name, row.short, *reference.split_aliases(row.aliases)):
            if name:
                names[name] = row.code
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(f"^({alternatives})"), names


def _sichuan() -> str:
    """The province of the helped counties (51)."""
    return reference.helped_counties_file()["code"].str[:2].iloc[0]


def province_from_venue(venue: pd.Series) -> pd.Series:
    """The province a place names, for fairs recorded before the province had its own field: a
    place that starts with a province's name (四川省阿坝州…, 贵州黔东南…) is in that province; one
    that names a county Shaoxing is paired with (金川县, 马尔康 …) is in Sichuan; else NA."""
    v = venue.astype("string").fillna("").reset_index(drop=True)
    v = v.str.normalize("NFKC").str.replace(r"\s+", "", regex=True)
    pattern, names = _province_prefix()
    named = v.str.extract(pattern, expand=False).map(names, na_action="ignore").astype("string")
    county = pd.Series(np.where(in_paired_area(v), _sichuan(), None), dtype="string")
    return named.where(named.notna(), county)


def fair_provinces(fairs: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
    """(province code per row, NA when unknown; bool: derived from the place). A recorded
    province (column ``province``: a code such as "51" or a name such as 四川 / 四川省) decides;
    without one, the place (``venue``) may name it (``province_from_venue``)."""
    n = len(fairs)
    given = _text(fairs, "province")
    known = set(reference.provinces()["code"])
    as_code = given.where(given.isin(known), pd.NA)
    as_name = normalize.parse_province(given.astype(object)).values.reset_index(drop=True).astype("string")
    recorded = as_code.where(as_code.notna(), as_name)
    venue = fairs["venue"] if "venue" in fairs.columns else pd.Series([""] * n)
    derived = province_from_venue(venue)
    use_derived = (given == "").to_numpy(dtype=bool)
    code = recorded.where(~use_derived, derived).astype("string")
    return code, use_derived & code.notna().to_numpy(dtype=bool)


def own_paired_county(fairs: pd.DataFrame, province: pd.Series | None = None) -> np.ndarray:
    """The fair was held in the district's own paired county (二: 越城区 → 马边 …): the place names
    that county, and the province, when known, is Sichuan. Shown beside the fair; it does not
    decide the subsidy."""
    paired = dict(zip(reference.districts()["name"], reference.districts()["paired_county"]))
    district, venue = _text(fairs, "district"), _text(fairs, "venue")
    if province is None:
        province = fair_provinces(fairs)[0]
    prov_ok = (province.isna() | (province == _sichuan())).fillna(True).to_numpy(dtype=bool)
    out = np.zeros(len(fairs), dtype=bool)
    for (d, v), rows in pd.Series(range(len(fairs))).groupby([district, venue]).groups.items():
        county = paired.get(d)
        if county and v and _paired_area_pattern(county).search(v):
            out[np.asarray(rows)] = True
    return out & prov_ok


def _counted_fairs(fairs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, np.ndarray, np.ndarray]:
    """(frame with parsed dates, province code, derived from the place, counted: held in one of
    the four provinces)."""
    f = fairs.reset_index(drop=True).assign(date=lambda x: pd.to_datetime(x["date"], errors="coerce"))
    province, derived = fair_provinces(f)
    counted = province.isin(paired_provinces()).fillna(False).to_numpy(dtype=bool)
    return f, province, derived, counted


def recruitment_fair_subsidies(fairs: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """One row per (fair, enterprise): input columns district, date, venue (the place),
    enterprise, and province when recorded.

    Added columns: province (code), province_name, province_derived, in_paired_province,
    own_paired_county, amount, clause, reason, to_confirm (the condition the officer confirms:
    薪酬待遇好、用工规范). An enterprise listed twice for the same fair is paid once.
    """
    p = reference.policy()
    per = int(p["recruitment_fair.per_enterprise"])
    f, province, derived, paired = _counted_fairs(fairs)
    f["enterprise"] = f["enterprise"].astype("string").str.strip()
    fair = ["fair_id"] if "fair_id" in f.columns else ["district", "date", "venue"]
    key = f[fair].astype("string").fillna("").assign(_p=province.fillna(""), _e=_text(f, "enterprise"))
    repeat = key.duplicated(keep="first").to_numpy()
    named = (f["enterprise"].fillna("") != "").to_numpy(dtype=bool)
    unknown = province.isna().to_numpy(dtype=bool)
    window = ((f["date"] >= pd.Timestamp(p.start)) & (f["date"] <= pd.Timestamp(p.end))).fillna(False).to_numpy(dtype=bool)
    pay = named & ~repeat & paired & window
    f["province"] = province.to_numpy()
    f["province_name"] = np.where(unknown, "", province_names(province.fillna("")))
    f["province_derived"] = derived
    f["in_paired_province"] = paired
    f["own_paired_county"] = own_paired_county(f, province)
    f["amount"] = np.where(pay, per, 0)
    f["clause"] = p.param("recruitment_fair.per_enterprise").clause
    four = join_enum(province_names(paired_provinces()), lang)
    reasons = np.full(len(f), t("enterprise.fair_paid", lang, amount=per), dtype=object)
    reasons[repeat] = t("enterprise.fair_repeat", lang)
    reasons[~named] = t("enterprise.fair_no_enterprise", lang)
    other = ~paired & ~unknown
    reasons[other] = [t("enterprise.fair_not_paired", lang, province=n, provinces=four)
                      for n in f["province_name"].to_numpy()[other]]
    reasons[unknown] = t("enterprise.fair_province_unknown", lang, provinces=four)
    reasons[~window] = _window_text(lang)
    sep = t("common.list_separator", lang)
    note = derived & ~unknown & window
    reasons[note] = reasons[note] + sep + t("enterprise.fair_province_derived", lang)
    f["reason"] = reasons
    f["to_confirm"] = t("enterprise.fair_to_confirm", lang)
    return f


def fairs_per_district(fairs: pd.DataFrame, year: int) -> pd.DataFrame:
    """Fairs held in the four paired provinces per district in a year (every district listed, 0
    where none): district, fairs, own_county (of them, in the district's own paired county),
    enterprises (distinct), attendances (an enterprise once per fair: 家次), below_minimum. A fair
    held elsewhere, or whose province is not known, does not count (三(五))."""
    p = reference.policy()
    need = int(p["recruitment_fair.min_fairs_per_district_year"])
    names = reference.districts()["name"].tolist()
    if fairs is not None and len(fairs):
        f, province, _, counted = _counted_fairs(fairs)
        f = f.assign(_own=own_paired_county(f, province), _p=province.fillna(""))
        f = f[(f["date"].dt.year == year).fillna(False).to_numpy(dtype=bool) & counted]
        fair = ["fair_id"] if "fair_id" in f.columns else ["district", "date", "venue", "_p"]
        held = f.drop_duplicates(subset=fair)
        count, own = held.groupby("district").size(), held[held["_own"]].groupby("district").size()
        firms = f.dropna(subset=["enterprise"]).drop_duplicates(subset=[*fair, "enterprise"]).groupby("district")["enterprise"]
        distinct, attendances = firms.nunique(), firms.count()
    else:
        count = own = distinct = attendances = pd.Series(dtype="int64")
    out = pd.DataFrame({"district": names})
    out["fairs"] = out["district"].map(count).fillna(0).astype(int)
    out["own_county"] = out["district"].map(own).fillna(0).astype(int)
    out["enterprises"] = out["district"].map(distinct).fillna(0).astype(int)
    out["attendances"] = out["district"].map(attendances).fillna(0).astype(int)   # 家次: one per fair
    out["below_minimum"] = out["fairs"] < need
    return out


def districts_without_fair(fairs: pd.DataFrame, year: int) -> list[str]:
    t_ = fairs_per_district(fairs, year)
    return t_.loc[t_["below_minimum"], "district"].tolist()


# ----------------------------------------------------------------------------------------------
# 三(六) 爱心奖补 and 爱心岗位

def _content_order(*keys) -> np.ndarray:
    """Row positions sorted by the records' content, ``keys`` most significant first (numbers,
    or text compared as text), so that who comes first never depends on the order the records
    were given in."""
    codes = [np.asarray(k) if np.asarray(k).dtype.kind in "iufb"
             else pd.factorize(pd.Series(k, dtype="string").fillna(""), sort=True)[0] for k in keys]
    return np.lexsort(codes[::-1]) if codes else np.zeros(0, dtype=int)


def _rest(frame: pd.DataFrame, used: tuple[str, ...]) -> list:
    """The other columns of the records (id, district …), as tie-breakers."""
    return [frame[c].astype("string").fillna("").to_numpy(dtype=object) for c in frame.columns
            if c not in used and not c.startswith("_")]


def base_awards(bases: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Input: base, level ("national" / "provincial"), year, hires. Each level is paid at most
    once per base, in the earliest year the base qualifies at that level; in a year where it
    qualifies at both levels it gets the national award only (that year's provincial record is
    not paid, and does not use up the provincial award); a provincial award in an earlier year
    does not stop a later national one. Years outside the policy window pay nothing."""
    p = reference.policy()
    b = bases.copy().reset_index(drop=True)
    level = b["level"].astype("string").str.strip().fillna("").to_numpy(dtype=object)
    hires = pd.to_numeric(b["hires"], errors="coerce").fillna(0).astype(int).to_numpy()
    year = pd.to_numeric(b["year"], errors="coerce").fillna(-1).astype(int).to_numpy()
    base = _text(b, "base").to_numpy(dtype=object)
    national, provincial = level == "national", level == "provincial"
    min_n, min_p = int(p["base_award.national_min_hires"]), int(p["base_award.provincial_min_hires"])
    enough = np.where(national, hires >= min_n, hires >= min_p)
    window = _in_window_years(b["year"])
    qualifies = (national | provincial) & enough & window
    # a provincial record in a year the same base qualifies as a national base: national only
    national_years = set(zip(base[national & qualifies], year[national & qualifies]))
    both = provincial & qualifies & np.array([(k, y) in national_years for k, y in zip(base, year)], dtype=bool)
    payable = qualifies & ~both
    # earliest year per (base, level); records of one year ranked by hires, then the rest
    order = _content_order(base, level, year, -hires, *_rest(b, ("base", "level", "year", "hires")))
    paid = np.zeros(len(b), dtype=bool)
    first_year: dict[tuple, int] = {}
    for i in order:
        if payable[i] and (base[i], level[i]) not in first_year:
            paid[i] = True
            first_year[(base[i], level[i])] = int(year[i])
    again = payable & ~paid
    amount = np.where(national, int(p["base_award.national_amount"]), int(p["base_award.provincial_amount"]))
    b["status"] = np.where(paid, "eligible", "not_eligible")
    b["amount"] = np.where(paid, amount, 0)
    b["clause"] = p.param("base_award.national_amount").clause
    reason = np.where(
        ~(national | provincial), t("enterprise.base_level_unknown", lang),
        np.where(enough, np.where(national, t("enterprise.base_paid_national", lang), t("enterprise.base_paid_provincial", lang)),
                 np.where(national, t("enterprise.base_too_few", lang, need=min_n),
                          t("enterprise.base_too_few_provincial", lang, need=min_p)))).astype(object)
    for i in np.flatnonzero(again):
        level_word = t(f"enterprise.base_level.{level[i]}", lang)
        reason[i] = t("enterprise.base_already", lang, year=first_year[(base[i], level[i])], level=level_word)
    reason[both] = t("enterprise.base_national_same_year", lang)
    reason[~window] = _window_text(lang)
    b["reason"] = reason
    return b


def love_post_subsidies(posts: pd.DataFrame, monthly_standard: float | None, lang: str = "zh") -> pd.DataFrame:
    """Input: employer, person, months, year (and id_number or person_key). Eligibility and
    months always; an amount only once the local 公益性岗位 standard is configured (the notice
    gives no figure).

    Counted months, by the monthly-items rule (RULES.md): only months of years inside the policy
    window; one entry is one year's months (at most 12); one person's entries of one year
    together at most 12, and all of them together at most the 36 months of the notice's longest
    subsidy period (三, last paragraph). Which entry of a person is counted first depends on the
    entries (year, then employer, then months), never on their order. A person is their ID number
    (normalised: spaces, full-width digits and a lower-case x make no difference; or its stored
    ``person_key``); without one, their name at that employer; without a name, the entry alone."""
    p = reference.policy()
    cap = int(p["max_subsidy_months"])
    out = posts.copy().reset_index(drop=True)
    raw = pd.to_numeric(out["months"], errors="coerce").fillna(0).clip(lower=0).astype(int).to_numpy()
    has_year = "year" in out.columns
    window = _in_window_years(out["year"]) if has_year else np.ones(len(out), dtype=bool)
    months = np.where(window, np.minimum(raw, MONTHS_PER_YEAR), 0)
    who = _love_post_person(out)
    # without years, each entry is a year of its own (the 12-month cap of a year is the entry's)
    year = pd.to_numeric(out["year"], errors="coerce").fillna(0).astype(int).to_numpy() if has_year \
        else np.arange(len(out))
    order = _content_order(who, year, -months, *_rest(out, ("months", "year")))
    counted = np.zeros(len(out), dtype=int)
    person_year = np.zeros(len(out), dtype=bool)     # the person's 12 months of that year used up
    person_cap = np.zeros(len(out), dtype=bool)      # the person's 36 months used up
    used: dict = {}
    used_year: dict = {}
    for i in order:
        in_year = min(months[i], MONTHS_PER_YEAR - used_year.get((who[i], year[i]), 0))
        take = min(in_year, cap - used.get(who[i], 0))
        counted[i] = take
        person_year[i], person_cap[i] = in_year < months[i], take < in_year
        used[who[i]] = used.get(who[i], 0) + take
        used_year[(who[i], year[i])] = used_year.get((who[i], year[i]), 0) + in_year
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
    reason[year_cap] = reason[year_cap] + sep + t("enterprise.love_post_year_cap", lang, months=MONTHS_PER_YEAR)
    reason[person_year] = reason[person_year] + sep + t("enterprise.love_post_person_year_cap", lang, months=MONTHS_PER_YEAR)
    reason[person_cap] = reason[person_cap] + sep + t("enterprise.love_post_person_cap", lang, cap=cap)
    reason[~window] = _window_text(lang)
    out["reason"] = reason
    return out


def _love_post_person(posts: pd.DataFrame) -> np.ndarray:
    """Who each love-post entry is for (a grouping key; see love_post_subsidies)."""
    n = len(posts)
    row = pd.Series([f"row:{i}" for i in range(n)], dtype=object)
    name, employer = _text(posts, "person"), _text(posts, "employer")
    key = _text(posts, "person_key")
    if "id_number" in posts.columns:    # the same normalisation as the roster's (core.idnumber)
        norm = idnumber.normalise(posts["id_number"].reset_index(drop=True)).fillna("")
        key = ("n:" + norm).where(norm != "", key)
    by_name = ("name:" + name + "|" + employer).astype(object)
    who = row.where(name == "", by_name).where(key == "", ("id:" + key).astype(object))
    return who.to_numpy(dtype=object)
