"""Reasons, next steps and reading notes, read off the conditions the rules computed.

Nothing here decides eligibility: each text is the name of a condition of ``core.rules`` that is
False (a reason) or unknown (missing information). To stay fast on a million rows, rows are grouped
by what their explanation depends on (which conditions failed or are unknown, and one small number
such as the months paid), each group is described once, and the texts are taken back per row.

Two audiences read the same conditions: the officer (the roster, the default) and the worker (the
self-check). A worker's text is the catalog entry ``rules.worker.<key>`` where one exists (plain words
for a phone), else the officer's ``rules.<key>``; which conditions are named is the same for both.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from core import reference
from core.i18n import has, join_list, t
from core.rules import COVERAGE, ITEM_CONDITIONS, LEVELS, Simulation, first_appearances


# Conditions a person can still make hold by acting, and until when: months of insurance or work
# and a job until claims close; a certificate only while the window runs (it must be dated inside
# it), rented months likewise (they count through the window's last month). Every other condition
# (who the person is, where from, when they came, the certificate's level or date, who organised
# the move, a training cost already paid) is a fact that cannot change.
CHANGEABLE_UNTIL = {
    "si_months_enough": "claim_deadline",
    "continuous_months_enough": "claim_deadline",
    "organizer_si_months_enough": "claim_deadline",
    "employer_named": "claim_deadline",
    "has_certificate": "window_end",
    "self_rented": "window_end",
}
# Conditions that hold for almost everyone and say nothing about an eligible item (no "pass" text).
QUIET_WHEN_HELD = frozenset({"junior_cost_paid"})
COVERED = "covered"   # the name of the coverage condition in ItemText.failing


@dataclass(frozen=True)
class ItemText:
    """What a person is told about one item."""

    reasons: tuple[str, ...]  # conditions that are False
    missing: tuple[str, ...]  # information that would decide it
    next_step: str | None
    notes: tuple[str, ...] = field(default=())  # how an amount was reached that an officer must see
    detail: tuple[str, ...] = field(default=())  # how an amount was reached, plainly
    failing: tuple[str, ...] = field(default=())  # names of the conditions that are False ("covered" too)

    @property
    def eligible(self) -> bool:
        return not self.reasons and not self.missing

    def joined(self, lang: str = "zh") -> str:
        return join_list(self.reasons + self.missing + self.detail + self.notes, lang)


def _fmt_date(d: dt.date, lang: str) -> str:
    return t("rules.date", lang, y=d.year, m=d.month, d=d.day)


def _text(key: str, lang: str, audience: str = "officer", **fmt) -> str:
    """``rules.<key>``, or for the worker ``rules.worker.<key>`` when the catalog words it apart."""
    if audience == "worker" and has(f"rules.worker.{key}"):
        return t(f"rules.worker.{key}", lang, **fmt)
    return t(f"rules.{key}", lang, **fmt)


def can_change(name: str, as_of: dt.date, policy: reference.Policy) -> bool:
    """Whether a failing condition can still come to hold on ``as_of`` (``CHANGEABLE_UNTIL``)."""
    until = CHANGEABLE_UNTIL.get(name)
    if until is None:
        return False
    return as_of <= (policy.end if until == "window_end" else policy["claim_deadline"])


def is_final(text: ItemText, as_of: dt.date, policy: reference.Policy) -> bool:
    """A "not eligible" that nothing can change any more: claims have closed, or a condition that
    is a fact (``CHANGEABLE_UNTIL``) fails. Answering the missing questions cannot change it either."""
    if as_of > policy["claim_deadline"]:
        return True
    return any(not can_change(name, as_of, policy) for name in text.failing)


def _bits(conditions: list[pd.arrays.BooleanArray]) -> tuple[np.ndarray, np.ndarray]:
    fail = np.zeros(len(conditions[0]) if conditions else 0, dtype="int64")
    unknown = np.zeros_like(fail)
    for i, c in enumerate(conditions):
        fail |= (~c.to_numpy(dtype=bool, na_value=True)).astype("int64") << i  # False only
        unknown |= c.isna().astype("int64") << i
    return fail, unknown


def _item_param(sim: Simulation, item: str) -> np.ndarray:
    """The one number an item's text depends on, besides which conditions hold."""
    if item in ("stabilization", "organizer_service", "employer_social_insurance"):
        return np.clip(sim.si[0], 0, 999)
    if item == "family_visit":
        return np.clip(sim.continuous[0], 0, 999)
    if item == "skill_training":
        # bits 0-3 the level, 4 cost estimated at the cap, 5 cost above the cap, 6 a fraction of a
        # yuan dropped, 7.. the cost in fen where a text quotes it (capped, rounded, or nothing paid)
        param = (sim.level_code.astype("int64") + 1) | (sim.skill_junior_estimated.astype("int64") << 4)
        cost, known = sim.training_cost
        rows = np.flatnonzero((sim.level_code == 1) & known)     # 初级工 with a cost: the few rows concerned
        if len(rows):
            c = cost[rows]
            fen = np.floor(np.clip(c, 0, (2**32 - 1) / 100) * 100 + 1e-6).astype("int64")
            capped = c > sim.param("skill_training.cap_junior").astype("float64")[rows]
            rounded = ~capped & (fen % 100 != 0)
            quoted = capped | rounded | (sim.skill_training_amount[rows] < 1)
            param[rows] |= (capped.astype("int64") << 5) | (rounded.astype("int64") << 6) | (np.where(quoted, fen, 0) << 7)
        return param
    if item == "rent":
        reported = np.clip(sim.rented[0], 0, 4095)
        return reported | (sim.rent_counted_months.astype("int64") << 12)
    raise KeyError(item)


def coverage_codes(sim: Simulation) -> tuple[np.ndarray, np.ndarray]:
    """(group code per row, group keys): rows grouped by which coverage conditions fail or are unknown."""
    fail, unknown = _bits([sim.condition(c) for c in COVERAGE])
    key = fail | (unknown << 8) | (sim.policy_index.astype("int64") << 16)
    return pd.factorize(key, sort=False)


@lru_cache(maxsize=4096)
def describe_coverage(key: int, lang: str = "zh", audience: str = "officer") -> ItemText:
    fail, unknown, pidx = key & 0xFF, (key >> 8) & 0xFF, key >> 16
    policy = reference.policies()[pidx]
    reasons, missing, failing = [], [], []
    for i, name in enumerate(COVERAGE):
        bit = 1 << i
        if unknown & bit:
            missing.append(_text(f"cond.{name}.unknown", lang, audience))
        elif fail & bit:
            reasons.append(_cond_fail(name, policy, lang, audience=audience))
            failing.append(name)
    return ItemText(tuple(reasons), _unique(missing), None, failing=tuple(failing))


def _unique(texts: list[str]) -> tuple[str, ...]:
    """The texts in order, each once (two conditions may lack the same answer)."""
    return tuple(dict.fromkeys(texts))


def _cond_fail(name: str, policy: reference.Policy, lang: str, *, held: bool = False, audience: str = "officer",
               **extra) -> str:
    """The text of a condition that fails, or with ``held`` of one that holds."""
    return _text(
        f"cond.{name}.{'pass' if held else 'fail'}",
        lang,
        audience,
        start=_fmt_date(policy.start, lang),
        end=_fmt_date(policy.end, lang),
        **extra,
    )


def _yuan(fen: int) -> str:
    """An amount in fen as yuan, with only the decimals it has: 150000 -> 1500, 30050 -> 300.5."""
    whole, part = divmod(int(fen), 100)
    return str(whole) if not part else f"{whole}.{part:02d}".rstrip("0")


def item_codes(sim: Simulation, item: str) -> tuple[np.ndarray, np.ndarray]:
    """(group code per row, group keys) for one item's explanation."""
    own = [sim.condition(c) for c in ITEM_CONDITIONS[item]]
    covered = sim.covered
    fail, unknown = _bits(own + [covered])
    key = (
        fail
        | (unknown << 8)
        | (sim.policy_index.astype("int64") << 16)
        | (_item_param(sim, item) << 24)
    )
    return pd.factorize(key, sort=False)


def describe_item(item: str, key: int, lang: str = "zh", standards: dict | None = None,
                  audience: str = "officer") -> ItemText:
    """The reasons, missing information, next step and notes of one group of rows."""
    frozen = tuple(sorted((standards or {}).items()))
    return _describe_item(item, key, lang, frozen, audience)


@lru_cache(maxsize=16384)
def _describe_item(item: str, key: int, lang: str, frozen_standards: tuple, audience: str = "officer") -> ItemText:
    standards = dict(frozen_standards)
    conds = ITEM_CONDITIONS[item]
    k = len(conds)
    fail, unknown = key & 0xFF, (key >> 8) & 0xFF
    pidx, param = (key >> 16) & 0xFF, key >> 24
    policy = reference.policies()[pidx]
    cov_bit = 1 << k
    reasons: list[str] = []
    missing: list[str] = []
    notes: list[str] = []
    failing: list[str] = []
    if unknown & cov_bit:
        missing.append(_text("item.covered_unknown", lang, audience))
    elif fail & cov_bit:
        reasons.append(_text("item.covered_fail", lang, audience))
        failing.append(COVERED)

    held: list[str] = []
    for i, name in enumerate(conds):
        bit = 1 << i
        fmt = _cond_fmt(item, name, param, policy)
        if unknown & bit:
            missing.append(_text(f"cond.{name}.unknown", lang, audience))
        elif fail & bit:
            reasons.append(_cond_fail(name, policy, lang, audience=audience, **fmt))
            failing.append(name)
        elif name not in QUIET_WHEN_HELD:
            held.append(_cond_fail(name, policy, lang, held=True, audience=audience, **fmt))

    eligible = ((fail | unknown) & ((1 << (k + 1)) - 1)) == 0
    notes.extend(_notes(item, param, policy, eligible, lang, standards))
    # an eligible item says which of its conditions hold: the same booleans that decided it
    detail = held if eligible else []
    if item == "rent" and eligible:
        reported, counted = param & 0xFFF, param >> 12
        if counted < reported:
            detail = []     # the note on the cap says how many months were reported and counted
        else:
            detail.append(t("rules.note.rent_counted", lang, counted=counted, monthly=policy["rent.monthly"]))
    if item == "skill_training" and eligible:
        # a cost above the cap, or with a fraction of a yuan, is said with the amount it gives
        cost, cap = param >> 7, policy["skill_training.cap_junior"]
        if (param >> 5) & 1:
            detail.append(t("rules.note.skill_capped", lang, cost=_yuan(cost), cap=cap))
        elif (param >> 6) & 1:
            detail.append(t("rules.note.skill_rounded", lang, cost=_yuan(cost), amount=cost // 100))
    if item == "employer_social_insurance" and eligible:
        # how the amount is reached (or why there is none yet); the months are also a column of
        # their own, so the one-column explanation of the roster does not repeat this per row
        months = min(param, policy["max_subsidy_months"])
        configured = bool(standards and standards.get("employer_social_insurance.monthly") is not None)
        key = "note.employer_months" if configured else "note.employer_no_standard"
        detail.append(_text(key, lang, audience, months=months))
    next_step = _next_step(item, fail, unknown, k, param, policy, lang)
    return ItemText(tuple(reasons), _unique(missing), next_step, tuple(notes), tuple(detail), tuple(failing))


def _cond_fmt(item: str, name: str, param: int, policy: reference.Policy) -> dict:
    """The figures a condition's text names (months, the minimum, the level …)."""
    if name in ("si_months_enough", "organizer_si_months_enough"):
        key = "stabilization" if name == "si_months_enough" else "organizer_service"
        return {"months": param, "min": policy[f"{key}.min_social_insurance_months"]}
    if name == "continuous_months_enough":
        return {"months": param, "min": policy["family_visit.min_continuous_months"]}
    if name == "self_rented":
        return {"reported": param & 0xFFF}
    if name == "level_listed":
        level = (param & 0xF) - 1
        return {"level": LEVELS[level - 1] if level >= 1 else ""}
    if name == "junior_cost_paid":
        return {"cost": _yuan(param >> 7)}
    return {}


def _notes(item: str, param: int, policy: reference.Policy, eligible: bool, lang: str, standards) -> list[str]:
    out = []
    if item == "skill_training" and eligible and (param >> 4) & 1:
        out.append(t("rules.note.skill_junior_estimated", lang, cap=policy["skill_training.cap_junior"]))
    if item == "rent" and eligible:
        reported, counted = param & 0xFFF, param >> 12
        if counted < reported:
            out.append(
                t(
                    "rules.note.rent_capped",
                    lang,
                    reported=reported,
                    counted=counted,
                    end=t("rules.month", lang, y=policy.end.year, m=policy.end.month),
                    max=policy["max_subsidy_months"],
                    monthly=policy["rent.monthly"],
                )
            )
    return out


def _next_step(item: str, fail: int, unknown: int, k: int, param: int, policy: reference.Policy, lang: str) -> str | None:
    """The nearest step to eligibility, offered only when one changeable condition stands in the way."""
    conds = ITEM_CONDITIONS[item]
    failing = {conds[i] for i in range(k) if fail & (1 << i) and not unknown & (1 << i)}
    if fail & (1 << k) and not unknown & (1 << k):
        return None  # not covered: nothing a person can do changes that
    if unknown:
        return None  # "do X and you get Y" only when everything else is known to hold
    if item == "stabilization" and failing == {"si_months_enough"}:
        need = policy["stabilization.min_social_insurance_months"] - param
        return t("rules.next.stabilization", lang, n=need, amount=policy["stabilization.amount"])
    if item == "family_visit" and failing == {"continuous_months_enough"}:
        need = policy["family_visit.min_continuous_months"] - param
        return t("rules.next.family_visit", lang, n=need, amount=policy["family_visit.amount"])
    if item == "organizer_service" and failing == {"organizer_si_months_enough"}:
        need = policy["organizer_service.min_social_insurance_months"] - param
        return t("rules.next.organizer_service", lang, n=need, amount=policy["organizer_service.amount"])
    if item == "skill_training" and failing and failing <= {"has_certificate"}:
        return t(
            "rules.next.skill_training",
            lang,
            junior=policy["skill_training.cap_junior"],
            intermediate=policy["skill_training.amount_intermediate"],
            senior=policy["skill_training.amount_senior"],
        )
    if item == "rent" and failing == {"self_rented"}:
        return t("rules.next.rent", lang, monthly=policy["rent.monthly"])
    return None


def combine_codes(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Group rows by several code columns at once: (group code per row, a representative row of
    each group), groups numbered in order of first appearance. One hash pass over a combined key
(one pass per column when the combinations outgrow 64 bits)."""
    radices = [int(col.max(initial=0)) + 2 for col in columns]       # codes run from -1
    if np.prod([float(r) for r in radices]) < 2.0 ** 62:
        # the combination as one mixed-radix number: a single hash pass
        key = np.zeros(len(columns[0]), dtype="int64")
        for col, radix in zip(columns, radices):
            key = key * radix + (col.astype("int64") + 1)
        group, _ = pd.factorize(key)
    else:
        group = np.zeros(len(columns[0]), dtype="int64")
        for col, radix in zip(columns, radices):
            group, _ = pd.factorize(group * radix + (col.astype("int64") + 1))
    return group, np.flatnonzero(first_appearances(group))


def summary_part(item: str, text: ItemText, lang: str = "zh") -> str:
    """What the one-column explanation says of one item of a covered person ("" when nothing)."""
    said = text.reasons + text.missing + text.notes
    return t("rules.summary.item", lang, item=t(f"rules.item_title.{item}", lang), text=join_list(said, lang)) if said else ""


def coverage_summary(coverage: ItemText, lang: str = "zh") -> str:
    """Why a person is not covered ("" when covered)."""
    said = coverage.reasons + coverage.missing
    return t("rules.summary.not_covered", lang, reasons=join_list(said, lang)) if said else ""
