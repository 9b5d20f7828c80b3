"""The clauses of 绍市人社发〔2018〕160号, one small formula per variable, over whole columns.

Every condition is a named three-valued column (pandas ``boolean``: True, False, or <NA> for
"not enough information"), so the explanation a person sees is the computation itself: an item is
eligible when all its conditions are True, not eligible when one is False, and unknown otherwise
(Kleene logic). Each condition and item names the clause that sets it; every figure comes from the
policy files in ``data/policy/`` (``core.reference``), chosen per row by the date the person first
came to work in Shaoxing.

The input is a *typed frame* (``core.validate`` builds it from a roster, ``core.person`` from one
person), with these columns; a missing value always means "unknown":

=========================  ==========  =====================================================
column                     dtype       meaning
=========================  ==========  =====================================================
registered_poor            boolean     建档立卡
home_province_code         str         GB/T 2260 province code of 户籍 ("51")
county_helped              boolean     户籍县 is a Sichuan county Zhejiang helps
first_employment_date      datetime64  首次来绍就业日期
works_in_shaoxing          boolean     works in one of the six districts
employer_named             boolean     an employer is named
organizer_named            boolean     an organising market entity is named
social_insurance_months    Int64       months of social insurance paid in Shaoxing
continuous_months          Int64       months of continuous work in Shaoxing
certificate_level          str         初级工 … 高级技师, or "none" for no certificate
certificate_date           datetime64  取证日期
training_cost              Float64     培训费用 (unknown: the 初级工 cap is used, said so)
self_rented_months         Int64       months of self-rented housing
=========================  ==========  =====================================================
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd

from core import reference

NO_CERTIFICATE = "none"

ITEMS = (
    "stabilization",
    "family_visit",
    "skill_training",
    "rent",
    "organizer_service",
    "employer_social_insurance",
)
WORKER_ITEMS = ("stabilization", "family_visit", "skill_training", "rent")
ONE_TIME_ITEMS = ("stabilization", "family_visit", "skill_training", "organizer_service")
ITEM_CLAUSE = {
    "stabilization": "三(一)",
    "family_visit": "三(一)",
    "skill_training": "三(二)",
    "rent": "三(三)",
    "organizer_service": "三(四)",
    "employer_social_insurance": "三(三)",
}
ITEM_PAYEE = {
    "stabilization": "worker",
    "family_visit": "worker",
    "skill_training": "worker",
    "rent": "worker",
    "organizer_service": "organizer",
    "employer_social_insurance": "employer",
}

# The conditions of coverage (RULES.md "Who is covered"), in the order they are explained.
COVERAGE = (
    "registered_poor",
    "paired_province",
    "came_from_window_start",
    "came_by_window_end",
    "works_in_shaoxing",
)
# Each item's own conditions, besides coverage.
ITEM_CONDITIONS = {
    "stabilization": ("si_months_enough",),
    "family_visit": ("continuous_months_enough",),
    "skill_training": ("has_certificate", "level_listed", "certificate_in_window", "junior_cost_paid"),
    "rent": ("self_rented",),
    "organizer_service": ("organizer_named", "organizer_si_months_enough"),
    "employer_social_insurance": ("employer_named",),
}
CONDITION_CLAUSE = {
    "registered_poor": "一; 三 末段",
    "paired_province": "二; 三 末段",
    "came_from_window_start": "三 末段",
    "came_by_window_end": "三 末段",
    "works_in_shaoxing": "二; 三(一)",
    "si_months_enough": "三(一)",
    "continuous_months_enough": "三(一)",
    "has_certificate": "三(二)",
    "level_listed": "三(二)",
    "certificate_in_window": "三(二)",
    "junior_cost_paid": "三(二)",
    "self_rented": "三(三)",
    "organizer_named": "三(四)",
    "organizer_si_months_enough": "三(四)",
    "employer_named": "三(三)",
}

# Hiring-target categories (二), in a fixed order.
CATEGORIES = ("paired_four", "other_central_western", "not_counted")
CATEGORY_DTYPE = pd.CategoricalDtype(list(CATEGORIES))

# Skill levels in a fixed order, so that a level can travel as a small integer.
LEVELS = ("初级工", "中级工", "高级工", "技师", "高级技师")


@lru_cache(maxsize=None)
def _paired_matrix() -> np.ndarray:
    """paired[i, j]: province j of data/reference/provinces.csv is paired under policy i."""
    codes = reference.provinces()["code"].to_numpy()
    return np.array([np.isin(codes, list(p["paired_provinces"])) for p in reference.policies()])


@lru_cache(maxsize=None)
def _group_table() -> np.ndarray:
    """Index into CATEGORIES of each province's group, and not_counted last (for unknown)."""
    groups = [CATEGORIES.index(g) for g in reference.provinces()["group"]]
    return np.array(groups + [CATEGORIES.index("not_counted")], dtype="int8")


@lru_cache(maxsize=None)
def _helped_province_index() -> int:
    """Row in provinces.csv of the province of the helped counties (Sichuan, 51)."""
    helped = reference.sichuan_helped_counties()["code"].str[:2].iloc[0]
    return list(reference.provinces()["code"]).index(helped)


def small_codes(values, categories) -> np.ndarray:
    """Position of each value in ``categories`` (-1 when missing or not listed).

    Reads only the few distinct values of the column (``pd.factorize``), so a million rows of
    province codes or skill levels cost one hash pass, never a Python loop per row.
    """
    categories = list(categories)
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype) and list(values.cat.categories) == categories:
        return np.asarray(values.cat.codes, dtype="int16")
    codes, uniques = pd.factorize(values)
    lookup = {c: i for i, c in enumerate(categories)}
    table = np.array([lookup.get(u, -1) for u in uniques] + [-1], dtype="int16")
    return table[codes]


def first_appearances(codes: np.ndarray) -> np.ndarray:
    """Where each code first appears, for codes numbered in order of first appearance (as
    ``pd.factorize`` numbers them): a row is the first of its code exactly when its code exceeds
    every code before it. One pass, no sort."""
    seen = np.maximum.accumulate(np.concatenate(([-1], codes[:-1])))
    return codes > seen


def tri(values: np.ndarray, known: np.ndarray) -> pd.arrays.BooleanArray:
    """A three-valued column from its values and where they are known."""
    return pd.arrays.BooleanArray(np.asarray(values, dtype=bool), ~np.asarray(known, dtype=bool))


def _int(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(values with 0 for unknown, known mask) of an Int64 column."""
    arr = pd.array(col, dtype="Int64")
    return arr.to_numpy(dtype="int64", na_value=0), ~arr.isna()


def _date(col: pd.Series) -> np.ndarray:
    return pd.to_datetime(col).to_numpy(dtype="datetime64[D]")


def _np_date(d: dt.date) -> np.datetime64:
    return np.datetime64(d.isoformat(), "D")


def _month_index(d: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of each date (NaT gives garbage: mask it)."""
    return d.astype("datetime64[M]").astype("int64")


@dataclass
class Simulation:
    """The rules evaluated on one typed frame. Each property is one variable of the notice."""

    frame: pd.DataFrame
    as_of: dt.date
    standards: dict | None = None

    def __post_init__(self) -> None:
        self.policies = reference.policies()
        first = self.frame["first_employment_date"]
        self.n = len(first)

    # -- which policy applies to each row -------------------------------------------------------
    @cached_property
    def first_date(self) -> np.ndarray:
        return _date(self.frame["first_employment_date"])

    @cached_property
    def first_date_known(self) -> np.ndarray:
        return ~np.isnat(self.first_date)

    @cached_property
    def policy_index(self) -> np.ndarray:
        """For each row, the policy whose window starts last on or before the first employment
        date (the first policy for earlier or unknown dates)."""
        starts = np.array([_np_date(p.start) for p in self.policies])
        idx = np.searchsorted(starts, self.first_date, side="right") - 1
        return np.clip(np.where(self.first_date_known, idx, 0), 0, len(self.policies) - 1)

    def param(self, name: str) -> np.ndarray:
        """The value of a parameter for each row, from the policy that applies to it."""
        values = [p[name] for p in self.policies]
        if all(isinstance(v, dt.date) for v in values):
            table = np.array([_np_date(v) for v in values])
        else:
            table = np.array(values, dtype=object if any(v is None for v in values) else None)
        return table[self.policy_index]

    def window_start(self) -> np.ndarray:
        return np.array([_np_date(p.start) for p in self.policies])[self.policy_index]

    def window_end(self) -> np.ndarray:
        return np.array([_np_date(p.end) for p in self.policies])[self.policy_index]

    def standard(self, name: str) -> float | None:
        """A local standard the notice defers to: configured, else the policy file's (null)."""
        if self.standards and self.standards.get(name) is not None:
            return float(self.standards[name])
        value = self.policies[0][name]
        return None if value is None else float(value)

    # -- inputs ----------------------------------------------------------------------------------
    def _bool(self, column: str) -> pd.arrays.BooleanArray:
        return pd.array(self.frame[column], dtype="boolean")

    @cached_property
    def si(self) -> tuple[np.ndarray, np.ndarray]:
        return _int(self.frame["social_insurance_months"])

    @cached_property
    def continuous(self) -> tuple[np.ndarray, np.ndarray]:
        return _int(self.frame["continuous_months"])

    @cached_property
    def rented(self) -> tuple[np.ndarray, np.ndarray]:
        return _int(self.frame["self_rented_months"])

    @cached_property
    def level_code(self) -> np.ndarray:
        """-1 unknown, 0 none, 1..5 初级工 … 高级技师."""
        return small_codes(self.frame["certificate_level"], (NO_CERTIFICATE, *LEVELS))

    @cached_property
    def province_index(self) -> np.ndarray:
        """Row of data/reference/provinces.csv of each person's 户籍 province (-1 unknown)."""
        return small_codes(self.frame["home_province_code"], reference.provinces()["code"])

    # -- coverage (对象资格) ------------------------------------------------------------------------
    # RULES.md: 建档立卡 = yes.  Clause 一 ("建档立卡人员"), 三 last paragraph.
    @cached_property
    def registered_poor(self) -> pd.arrays.BooleanArray:
        return self._bool("registered_poor")

    # 户籍 in one of the four provinces Zhejiang helps (二; 三 last paragraph).
    @cached_property
    def paired_province(self) -> pd.arrays.BooleanArray:
        paired = _paired_matrix()
        idx = self.province_index
        return tri(paired[self.policy_index, np.maximum(idx, 0)] & (idx >= 0), idx >= 0)

    # 首次来绍就业 on or after the first day of the policy window (三 last paragraph).
    @cached_property
    def came_from_window_start(self) -> pd.arrays.BooleanArray:
        return tri(self.first_date >= self.window_start(), self.first_date_known)

    # … and on or before its last day.
    @cached_property
    def came_by_window_end(self) -> pd.arrays.BooleanArray:
        return tri(self.first_date <= self.window_end(), self.first_date_known)

    @cached_property
    def works_in_shaoxing(self) -> pd.arrays.BooleanArray:
        return self._bool("works_in_shaoxing")

    @cached_property
    def covered(self) -> pd.arrays.BooleanArray:
        out = pd.array(np.ones(self.n, dtype=bool), dtype="boolean")
        for name in COVERAGE:
            out = out & getattr(self, name)
        return out

    # -- 三(一) 就业稳岗补贴 ------------------------------------------------------------------------
    @cached_property
    def si_months_enough(self) -> pd.arrays.BooleanArray:
        months, known = self.si
        return tri(months >= self.param("stabilization.min_social_insurance_months"), known)

    # -- 三(一) 探亲补贴 ----------------------------------------------------------------------------
    @cached_property
    def continuous_months_enough(self) -> pd.arrays.BooleanArray:
        months, known = self.continuous
        return tri(months >= self.param("family_visit.min_continuous_months"), known)

    # -- 三(二) 职业技能培训和鉴定补贴 ----------------------------------------------------------------
    @cached_property
    def has_certificate(self) -> pd.arrays.BooleanArray:
        return tri(self.level_code > 0, self.level_code >= 0)

    # The notice lists 初级工, 中级工 and 高级工 only; 技师 and 高级技师 get 0 with that reason.
    # Without a certificate there is no level to object to (has_certificate already fails).
    @cached_property
    def level_listed(self) -> pd.arrays.BooleanArray:
        code = self.level_code
        return tri((code == 0) | ((code >= 1) & (code <= 3)), code >= 0)

    @cached_property
    def certificate_in_window(self) -> pd.arrays.BooleanArray:
        d = _date(self.frame["certificate_date"])
        # the window of the policy the person is under; vacuous without a certificate
        none = self.level_code == 0
        inside = none | ((d >= self.window_start()) & (d <= self.window_end()))
        return tri(inside, none | ~np.isnat(d))

    @cached_property
    def training_cost(self) -> tuple[np.ndarray, np.ndarray]:
        """(培训费用 with 0 for unknown, known mask)."""
        cost = pd.array(self.frame["training_cost"], dtype="Float64")
        return cost.to_numpy(dtype="float64", na_value=0.0), ~np.asarray(cost.isna())

    @cached_property
    def skill_training_amount(self) -> np.ndarray:
        """初级工: the training cost, capped, in whole yuan (a fraction of a yuan is dropped, so the
        subsidy never exceeds what was paid); 中级工, 高级工: the fixed amounts; else 0."""
        code = self.level_code
        cost_v, cost_known = self.training_cost
        cap = self.param("skill_training.cap_junior").astype("float64")
        junior = np.where(cost_known, np.minimum(cost_v, cap), cap)
        amount = np.select(
            [code == 1, code == 2, code == 3],
            [junior, self.param("skill_training.amount_intermediate"), self.param("skill_training.amount_senior")],
            0,
        )
        return np.floor(amount + 1e-9).astype("int64")

    @cached_property
    def skill_junior_estimated(self) -> np.ndarray:
        """初级工 with no training cost given: paid at the cap, said as an estimate."""
        return (self.level_code == 1) & ~self.training_cost[1]

    # 初级工 is paid the training cost (三(二)): a cost that comes to nothing (0, or under 1 yuan)
    # gives nothing, said as a reason rather than as "eligible, 0 yuan". Holds for the other levels
    # and when no cost is given (the cap is used, said as an estimate).
    @cached_property
    def junior_cost_paid(self) -> pd.arrays.BooleanArray:
        nothing = (self.level_code == 1) & self.training_cost[1] & (self.skill_training_amount < 1)
        return tri(~nothing, np.ones(self.n, dtype=bool))

    # -- 三(三) 租房补贴 ----------------------------------------------------------------------------
    @cached_property
    def self_rented(self) -> pd.arrays.BooleanArray:
        months, known = self.rented
        return tri(months > 0, known)

    @cached_property
    def rent_month_cap(self) -> np.ndarray:
        """Months from the month of first employment through the window's last month, both
        included, and at most the longest subsidy period (36)."""
        end = _month_index(self.window_end())
        first = np.where(self.first_date_known, _month_index(np.where(self.first_date_known, self.first_date, self.window_end())), end)
        through_window = np.maximum(end - first + 1, 0)
        return np.minimum(through_window, self.param("max_subsidy_months").astype("int64"))

    @cached_property
    def rent_counted_months(self) -> np.ndarray:
        months, _ = self.rented
        return np.minimum(months, self.rent_month_cap)

    @cached_property
    def rent_capped(self) -> np.ndarray:
        months, known = self.rented
        return known & (months > self.rent_month_cap) & self.first_date_known

    # -- 三(四) 就业创业服务补贴 (to the organising market entity) -------------------------------------
    @cached_property
    def organizer_named(self) -> pd.arrays.BooleanArray:
        return self._bool("organizer_named")

    @cached_property
    def organizer_si_months_enough(self) -> pd.arrays.BooleanArray:
        months, known = self.si
        return tri(months >= self.param("organizer_service.min_social_insurance_months"), known)

    # -- 三(三) 企业社会保险补贴 (to the employer) ----------------------------------------------------
    @cached_property
    def employer_named(self) -> pd.arrays.BooleanArray:
        return self._bool("employer_named")

    @cached_property
    def employer_si_months(self) -> np.ndarray:
        months, _ = self.si
        return np.minimum(months, self.param("max_subsidy_months").astype("int64"))

    # -- items -----------------------------------------------------------------------------------
    def eligible(self, item: str) -> pd.arrays.BooleanArray:
        out = self.covered
        for name in ITEM_CONDITIONS[item]:
            out = out & getattr(self, name)
        return out

    def full_amount(self, item: str) -> np.ndarray:
        """What the item gives when eligible (for the employer item: 0 until a local standard is set)."""
        if item == "stabilization":
            return self.param("stabilization.amount").astype("int64")
        if item == "family_visit":
            return self.param("family_visit.amount").astype("int64")
        if item == "skill_training":
            return self.skill_training_amount
        if item == "rent":
            return self.rent_counted_months * self.param("rent.monthly").astype("int64")
        if item == "organizer_service":
            return self.param("organizer_service.amount").astype("int64")
        if item == "employer_social_insurance":
            monthly = self.standard("employer_social_insurance.monthly")
            if monthly is None:
                return np.zeros(self.n, dtype="int64")
            return np.floor(self.employer_si_months * monthly + 1e-9).astype("int64")
        raise KeyError(item)

    def amount(self, item: str) -> np.ndarray:
        ok = self.eligible(item).to_numpy(dtype=bool, na_value=False)
        return np.where(ok, self.full_amount(item), 0).astype("int64")

    # -- hiring targets (二) ------------------------------------------------------------------------
    @cached_property
    def category(self) -> pd.Categorical:
        """paired_four / other_central_western / not_counted; independent of the dates."""
        return pd.Categorical.from_codes(self.category_code, dtype=CATEGORY_DTYPE)

    @cached_property
    def category_code(self) -> np.ndarray:
        """Index into CATEGORIES: the province's group for a 建档立卡 person, else not_counted."""
        not_counted = CATEGORIES.index("not_counted")
        table = _group_table()  # -1 (unknown) takes the last entry, not_counted
        poor = self.registered_poor.to_numpy(dtype=bool, na_value=False)
        return np.where(poor, table[self.province_index], not_counted).astype("int8")

    @cached_property
    def sichuan_helped(self) -> np.ndarray:
        in_province = self.province_index == _helped_province_index()
        helped = pd.array(self.frame["county_helped"], dtype="boolean").to_numpy(dtype=bool, na_value=False)
        return (self.category_code == CATEGORIES.index("paired_four")) & in_province & helped

    def condition(self, name: str) -> pd.arrays.BooleanArray:
        return getattr(self, name)
