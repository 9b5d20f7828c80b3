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
certificate_level          str         初级工 … 高级技师, "none" for no certificate, "other" for a
                                       certificate that is not a 职业资格 level
certificate_date           datetime64  取证日期
training_cost              Float64     培训费用
self_rented_months         Int64       months of self-rented housing
_bad_<field>               bool        (optional) the officer's value of an item's input is missing
                                       where required or unreadable: that item is an error
=========================  ==========  =====================================================

This module holds what every item shares: which policy applies to a row, its inputs, coverage
(对象资格), the monthly-items rule, item-level errors and the hiring-target categories. Each item
(its conditions, amount and texts) lives in its own module of ``core.items``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd

from core import reference

NO_CERTIFICATE = "none"
OTHER_CERTIFICATE = "other"     # a certificate, but not a 职业资格 level (专项职业能力证书 …)

# The conditions of coverage (RULES.md "Who is covered"), in the order they are explained.
COVERAGE = (
    "registered_poor",
    "paired_province",
    "came_from_window_start",
    "came_by_window_end",
    "works_in_shaoxing",
)
CONDITION_CLAUSE = {
    "registered_poor": "一; 三 末段",
    "paired_province": "二; 三 末段",
    "came_from_window_start": "三 末段",
    "came_by_window_end": "三 末段",
    "works_in_shaoxing": "二; 三(一)",
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


def month_index(d) -> np.ndarray:
    """Months since 1970-01 of each date (NaT gives garbage: mask it)."""
    return np.asarray(d).astype("datetime64[M]").astype("int64")


# Statuses of an item, in the order of their codes (RULES.md, precedence: a condition known to
# fail, else a bad value the item depends on, else a missing one, else eligible).
STATUSES = ("eligible", "not_eligible", "unknown", "error")
ELIGIBLE, NOT_ELIGIBLE, UNKNOWN, ERROR = range(4)

# Month counts that cannot exceed the months from the first employment through the check.
MONTH_FIELDS = ("social_insurance_months", "continuous_months", "self_rented_months")


@dataclass
class Simulation:
    """The rules evaluated on one typed frame. Each property is one variable of the notice; the
    conditions and amounts of each item are in ``core.items`` and reached through ``condition``,
    ``eligible``, ``status`` and ``amount``."""

    frame: pd.DataFrame
    as_of: dt.date
    standards: dict | None = None

    def __post_init__(self) -> None:
        self.policies = reference.policies()
        first = self.frame["first_employment_date"]
        self.n = len(first)
        self._conditions: dict[str, pd.arrays.BooleanArray] = {}
        self._memo: dict = {}

    def memo(self, key, compute):
        """``compute()`` once per simulation (a column several items read, a status)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def date_column(self, column: str) -> np.ndarray:
        """A date column as datetime64[D] (NaT unknown), converted once."""
        return self.memo(("date", column), lambda: _date(self.frame[column]))

    # -- which policy applies to each row -------------------------------------------------------
    @cached_property
    def first_date(self) -> np.ndarray:
        return self.date_column("first_employment_date")

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

    def standard(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A local standard the notice defers to, per row: (value, set). An administrator's value
        applies to every policy; else each row's policy file gives its own (null: not set)."""
        configured = (self.standards or {}).get(name)
        if configured is not None:
            return np.full(self.n, float(configured)), np.ones(self.n, dtype=bool)
        table = [p[name] for p in self.policies]
        values = np.array([np.nan if v is None else float(v) for v in table])[self.policy_index]
        return np.nan_to_num(values), ~np.isnan(values)

    # -- the day of the check (三, last paragraph: 兑现政策截止时间) ----------------------------------
    @cached_property
    def claim_open(self) -> np.ndarray:
        """The day of the check is on or before the claim deadline of the row's policy: what is due
        is payable. After it nothing is (RULES.md, "The claim deadline")."""
        return _np_date(self.as_of) <= self.param("claim_deadline")

    # -- inputs ----------------------------------------------------------------------------------
    def _bool(self, column: str) -> pd.arrays.BooleanArray:
        return pd.array(self.frame[column], dtype="boolean")

    def bad(self, field: str) -> np.ndarray:
        """The officer's value of ``field`` is missing where required or unreadable (validate sets
        ``_bad_<field>``; the self-check only for a certificate dated after the day of the check,
        ``core.person.typed_columns``), or is a month count that cannot be true."""
        def compute():
            column = f"_bad_{field}"
            out = np.asarray(self.frame[column], dtype=bool) if column in self.frame else np.zeros(self.n, dtype=bool)
            if field in MONTH_FIELDS:
                out = out | self.impossible_months(field)
            return out
        return self.memo(("bad", field), compute)

    @cached_property
    def first_month(self) -> np.ndarray:
        """Months since 1970-01 of the first employment (garbage where the date is unknown: mask it)."""
        return month_index(self.first_date)

    def _policy_months(self, day) -> np.ndarray:
        """Months since 1970-01 of a date of each row's policy (its window's start or end)."""
        return np.array([month_index(np.array([_np_date(day(p))]))[0] for p in self.policies])[self.policy_index]

    @cached_property
    def possible_months(self) -> np.ndarray:
        """Months from the month of first employment through the month of the check, both
        included (0 for an unknown date, where nothing can be checked)."""
        through = month_index(np.array([_np_date(self.as_of)]))[0] - self.first_month + 1
        return np.where(self.first_date_known, np.maximum(through, 0), 0)

    def reported_months(self, field: str) -> tuple[np.ndarray, np.ndarray]:
        """(a month count as reported, 0 for unknown; known mask)."""
        return self.memo(("reported", field), lambda: _int(self.frame[field]))

    def impossible_months(self, field: str) -> np.ndarray:
        """RULES.md, "Month counts that cannot be true": more months than have passed since the
        month of first employment is an error of the items the count feeds (not capped)."""
        def compute():
            months, known = self.reported_months(field)
            return known & self.first_date_known & (months > self.possible_months)
        return self.memo(("impossible", field), compute)

    def months(self, field: str) -> tuple[np.ndarray, np.ndarray]:
        """(a month count with 0 for unknown, known mask); a count that cannot be true is not known."""
        months, known = self.reported_months(field)
        return months, known & ~self.impossible_months(field)

    @cached_property
    def si(self) -> tuple[np.ndarray, np.ndarray]:
        return self.months("social_insurance_months")

    @cached_property
    def continuous(self) -> tuple[np.ndarray, np.ndarray]:
        return self.months("continuous_months")

    @cached_property
    def rented(self) -> tuple[np.ndarray, np.ndarray]:
        return self.months("self_rented_months")

    @cached_property
    def level_code(self) -> np.ndarray:
        """-1 unknown, 0 none, 1..5 初级工 … 高级技师, 6 a certificate that is not a 职业资格 level."""
        return small_codes(self.frame["certificate_level"], (NO_CERTIFICATE, *LEVELS, OTHER_CERTIFICATE))

    @cached_property
    def province_index(self) -> np.ndarray:
        """Row of data/reference/provinces.csv of each person's 户籍 province (-1 unknown)."""
        return small_codes(self.frame["home_province_code"], reference.provinces()["code"])

    # -- the monthly-items rule (三 last paragraph) -----------------------------------------------
    @cached_property
    def window_month_cap(self) -> np.ndarray:
        """Monthly items (rent, employer social insurance, love posts) count months inside the
        policy window only, at most the longest subsidy period: the months from the later of the
        month of first employment and the window's first month through the window's last month,
        and at most 36. With the date unknown, the longest period is the most (RULES.md)."""
        end = self._policy_months(lambda p: p.end)
        start = self._policy_months(lambda p: p.start)
        first = np.where(self.first_date_known, self.first_month, start)
        through_window = np.maximum(end - np.maximum(first, start) + 1, 0)
        longest = self.param("max_subsidy_months").astype("int64")
        return np.where(self.first_date_known, np.minimum(through_window, longest), longest)

    def counted_months(self, months: np.ndarray) -> np.ndarray:
        return np.minimum(months, self.window_month_cap)

    def cap_bites(self, field: str) -> np.ndarray:
        """A reported month count of a monthly item exceeds what counts (a warning on the row)."""
        months, known = self.months(field)
        return known & (months > self.counted_months(months))

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

    # -- items (their conditions and amounts: core.items) -------------------------------------------
    def condition(self, name: str) -> pd.arrays.BooleanArray:
        """A coverage condition, or a condition of an item (computed once per simulation)."""
        if name in COVERAGE:
            return getattr(self, name)
        if name not in self._conditions:
            from core.items import CONDITIONS

            self._conditions[name] = CONDITIONS[name].formula(self)
        return self._conditions[name]

    def eligible(self, item: str) -> pd.arrays.BooleanArray:
        """Coverage and every condition of the item (Kleene logic)."""
        from core.items import ITEM

        def compute():
            out = self.covered
            for name in ITEM[item].condition_names:
                out = out & self.condition(name)
            return out
        return self.memo(("eligible", item), compute)

    def item_error(self, item: str) -> np.ndarray:
        """A value the item depends on is missing where required, unreadable or cannot be true."""
        from core.items import ITEM

        out = np.zeros(self.n, dtype=bool)
        for field in ITEM[item].inputs:
            out |= self.bad(field)
        return out

    def status(self, item: str) -> np.ndarray:
        """ELIGIBLE … ERROR per row, by the precedence of RULES.md."""
        def compute():
            cond = self.eligible(item)
            unknown = np.asarray(cond.isna())
            fails = ~np.asarray(cond.to_numpy(dtype=bool, na_value=True))
            out = np.where(unknown, np.int8(UNKNOWN), np.int8(ELIGIBLE))
            out[self.item_error(item)] = ERROR      # a bad value the item depends on
            out[fails] = NOT_ELIGIBLE               # … unless a condition is known to fail
            return out
        return self.memo(("status", item), compute)

    def full_amount(self, item: str) -> np.ndarray:
        """What the item gives when eligible (an item waiting for a local standard: 0 until set)."""
        from core.items import ITEM

        return self.memo(("amount", item), lambda: ITEM[item].amount(self))

    def amount(self, item: str) -> np.ndarray:
        """What is due under the policy (应享受): the full amount where eligible, else 0."""
        return np.where(self.status(item) == ELIGIBLE, self.full_amount(item), 0).astype("int64")

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


for _cache in (_paired_matrix,):   # they read the list of policies
    reference.on_policies_changed(_cache.cache_clear)
