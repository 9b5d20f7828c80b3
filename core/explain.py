"""Reasons, next steps and reading notes, read off the conditions the rules computed.

Nothing here decides eligibility: each text is the name of a condition of ``core.rules`` (coverage)
or of an item of ``core.items`` that is False (a reason) or unknown (missing information), or of a
value an item depends on that is wrong (an error). To stay fast on a million rows, rows are grouped
by what their explanation depends on, as named columns: the state of each condition, which inputs
are bad, the policy, and the few small numbers the item's texts quote (its ``facts``, such as the
months paid). Each group is described once, from a dict of those names, and the texts are taken
back per row.

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
from core.reference_names import shown_fmt
from core.i18n import has, join_list, t
from core.items import CONDITIONS, ITEM
from core.items.base import Context
from core.rules import COVERAGE, MONTH_FIELDS, Simulation, first_appearances

COVERED = "covered"   # the name of the coverage condition in ItemText.failing
HOLDS, FAILS, UNKNOWN = 0, 1, 2   # the state of a condition in a group's facts


@dataclass(frozen=True)
class ItemText:
    """What a person is told about one item."""

    reasons: tuple[str, ...]  # conditions that are False
    missing: tuple[str, ...]  # information that would decide it
    next_step: str | None
    notes: tuple[str, ...] = field(default=())  # how an amount was reached that an officer must see
    detail: tuple[str, ...] = field(default=())  # how an amount was reached, plainly
    failing: tuple[str, ...] = field(default=())  # names of the conditions that are False ("covered" too)
    errors: tuple[str, ...] = field(default=())  # values the item depends on that are wrong

    @property
    def eligible(self) -> bool:
        return not self.reasons and not self.missing and not self.errors

    def joined(self, lang: str = "zh") -> str:
        return join_list(self.errors + self.reasons + self.missing + self.detail + self.notes, lang)


Facts = tuple  # ((name, int), ...): what one group of rows has in common, hashable


def _fmt_date(d: dt.date, lang: str) -> str:
    return t("rules.date", lang, y=d.year, m=d.month, d=d.day)


def worded(key: str, lang: str, audience: str = "officer", **fmt) -> str:
    """``rules.<key>``, or for the worker ``rules.worker.<key>`` when the catalog words it apart."""
    if audience == "worker" and has(f"rules.worker.{key}"):
        return t(f"rules.worker.{key}", lang, **fmt)
    return t(f"rules.{key}", lang, **fmt)


def can_change(name: str, as_of: dt.date, policy: reference.Policy) -> bool:
    """Whether a failing condition can still come to hold on ``as_of`` (its ``changeable_until``)."""
    cond = CONDITIONS.get(name)
    until = cond.changeable_until if cond else None
    if until is None:
        return False
    return as_of <= (policy.end if until == "window_end" else policy["claim_deadline"])


def is_final(text: ItemText, as_of: dt.date, policy: reference.Policy) -> bool:
    """A "not eligible" that nothing can change any more: claims have closed, or a condition that
    is a fact fails. Answering the missing questions cannot change it either."""
    if as_of > policy["claim_deadline"]:
        return True
    return any(not can_change(name, as_of, policy) for name in text.failing)


def _state(cond: pd.arrays.BooleanArray) -> np.ndarray:
    out = (~np.asarray(cond.to_numpy(dtype=bool, na_value=True))).astype("int8")   # FAILS where False
    out[np.asarray(cond.isna())] = UNKNOWN
    return out


def _groups(columns: dict[str, np.ndarray]) -> tuple[np.ndarray, list[Facts]]:
    """(group code per row, the facts of each group) for rows grouped by named columns."""
    names = list(columns)
    arrays = [np.asarray(columns[k]) for k in names]       # small integers or flags, not copied
    # a column with one value throughout (a bad-value flag nobody has, one policy) groups nothing:
    # only the others are combined, and its value joins every group's facts
    varying = [i for i, a in enumerate(arrays) if len(a) and a.min() != a.max()]
    if varying:
        group, first = combine_codes([arrays[i] for i in varying])
    else:
        group, first = np.zeros(len(arrays[0]) if arrays else 0, dtype="int64"), np.arange(min(1, len(arrays[0])))
    if len(first) <= 8:        # a person, a few groups: one by one is quicker
        facts = [tuple(zip(names, (int(a[r]) for a in arrays))) for r in first]
    else:                      # a batch's hundreds of groups: their values taken for all at once
        picked = np.stack([a[first].astype(np.int64) for a in arrays], axis=1).tolist()
        facts = [tuple(zip(names, values)) for values in picked]
    return group, facts


def coverage_codes(sim: Simulation) -> tuple[np.ndarray, list[Facts]]:
    """(group code per row, group facts): rows grouped by the state of each coverage condition."""
    columns = {name: _state(sim.condition(name)) for name in COVERAGE}
    columns["policy"] = sim.policy_index
    return _groups(columns)


@lru_cache(maxsize=4096)
def describe_coverage(facts: Facts, lang: str = "zh", audience: str = "officer") -> ItemText:
    g = dict(facts)
    policy = reference.policies()[g["policy"]]
    reasons, missing, failing = [], [], []
    for name in COVERAGE:
        if g[name] == UNKNOWN:
            missing.append(worded(f"cond.{name}.unknown", lang, audience))
        elif g[name] == FAILS:
            reasons.append(_cond_text(name, "fail", policy, lang, audience))
            failing.append(name)
    return ItemText(tuple(reasons), _unique(missing), None, failing=tuple(failing))


def _unique(texts: list[str]) -> tuple[str, ...]:
    """The texts in order, each once (two conditions may lack the same answer)."""
    return tuple(dict.fromkeys(texts))


def _cond_text(name: str, which: str, policy: reference.Policy, lang: str, audience: str = "officer",
               **extra) -> str:
    """The text of a condition that fails, holds ("pass") or is unknown."""
    # a reference name a text quotes (the certificate's level) in the page's language
    return worded(f"cond.{name}.{which}", lang, audience, start=_fmt_date(policy.start, lang),
                  end=_fmt_date(policy.end, lang), **shown_fmt(extra, lang))


def item_codes(sim: Simulation, item: str) -> tuple[np.ndarray, list[Facts]]:
    """(group code per row, group facts) for one item's explanation."""
    spec = ITEM[item]
    columns: dict[str, np.ndarray] = {COVERED: sim.memo("covered_state", lambda: _state(sim.covered))}
    for cond in spec.conditions:
        columns[cond.name] = sim.memo(("state", cond.name), lambda c=cond.name: _state(sim.condition(c)))
    for name in spec.inputs:
        bad = sim.bad(name)
        columns[f"bad:{name}"] = bad
        if name in MONTH_FIELDS:
            impossible = sim.impossible_months(name)
            reported = sim.reported_months(name)[0]
            columns[f"impossible:{name}"] = impossible
            columns[f"reported:{name}"] = np.where(impossible, np.clip(reported, 0, 9999), 0)
            columns[f"possible:{name}"] = np.where(impossible, sim.possible_months, 0)
    columns["policy"] = sim.policy_index
    for name, values in spec.facts(sim).items():
        columns[name] = values
    return _groups(columns)


def describe_item(item: str, facts: Facts, lang: str = "zh", standards: dict | None = None,
                  audience: str = "officer") -> ItemText:
    """The reasons, missing information, errors, next step and notes of one group of rows."""
    frozen = tuple(sorted((standards or {}).items()))
    return _describe_item(item, facts, lang, frozen, audience)


def _error_texts(spec, g: dict, lang: str, audience: str) -> list[str]:
    """What is wrong with each value the item depends on (RULES.md: errors on one item)."""
    headers = {c.field: c.header for c in reference.columns()}

    def header(name: str) -> str:     # the worker never saw the roster's columns: the answer's name
        key = f"person.field.{name}"
        return t(key, lang) if audience == "worker" and has(key) else headers[name]
    out = []
    for name in spec.inputs:
        if g.get(f"impossible:{name}"):
            out.append(worded("error.impossible_months", lang, audience, header=header(name),
                              months=g[f"reported:{name}"], max=g[f"possible:{name}"]))
        elif g[f"bad:{name}"]:
            out.append(worded("error.bad_value", lang, audience, header=header(name)))
    return out


@lru_cache(maxsize=16384)
def _describe_item(item: str, facts: Facts, lang: str, frozen_standards: tuple, audience: str = "officer") -> ItemText:
    spec = ITEM[item]
    g = dict(facts)
    standards = dict(frozen_standards)
    policy = reference.policies()[g["policy"]]
    reasons: list[str] = []
    missing: list[str] = []
    failing: list[str] = []
    held: list[str] = []
    if g[COVERED] == UNKNOWN:
        missing.append(worded("item.covered_unknown", lang, audience))
    elif g[COVERED] == FAILS:
        reasons.append(worded("item.covered_fail", lang, audience))
        failing.append(COVERED)
    for cond in spec.conditions:
        fmt = cond.fmt(g, policy)
        if g[cond.name] == UNKNOWN:
            missing.append(_cond_text(cond.name, "unknown", policy, lang, audience, **fmt))
        elif g[cond.name] == FAILS:
            reasons.append(_cond_text(cond.name, "fail", policy, lang, audience, **fmt))
            failing.append(cond.name)
        elif not cond.quiet:
            held.append(_cond_text(cond.name, "pass", policy, lang, audience, **fmt))

    errors = _error_texts(spec, g, lang, audience) if not failing else []
    if errors:
        missing = []      # the values are wrong, not missing: correcting them is the step
    eligible = not reasons and not missing and not errors
    texts = spec.texts(g, Context(policy, lang, audience, standards, eligible))
    # an eligible item says which of its conditions hold: the same booleans that decided it
    detail = (([] if texts.replaces_held else held) + texts.detail) if eligible else []
    next_step = None
    if not errors and not missing and COVERED not in failing:
        # "do X and you get Y" only when everything else is known to hold
        next_step = spec.next_step(frozenset(failing), g, policy, lang)
    return ItemText(tuple(reasons), _unique(missing), next_step, tuple(texts.notes), tuple(detail),
                    tuple(failing), tuple(errors))


def combine_codes(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Group rows by several code columns at once: (group code per row, a representative row of
    each group), groups numbered in order of first appearance. One hash pass over a combined key
(one pass per column when the combinations outgrow 64 bits)."""
    radices = [int(col.max(initial=0)) + 2 for col in columns]       # codes run from -1
    if np.prod([float(r) for r in radices]) < 2.0 ** 62:
        # the combination as one mixed-radix number: a single hash pass
        key = np.zeros(len(columns[0]), dtype="int64")
        for col, radix in zip(columns, radices):
            key *= radix                # in place: no copy of a small column as int64
            key += col
            key += 1
        group, _ = pd.factorize(key)
    else:
        group = np.zeros(len(columns[0]), dtype="int64")
        for col, radix in zip(columns, radices):
            group, _ = pd.factorize(group * radix + (col.astype("int64") + 1))
    return group, np.flatnonzero(first_appearances(group))


@lru_cache(maxsize=16384)      # the same groups come back in every batch of a long roster
def summary_part(item: str, text: ItemText, lang: str = "zh") -> str:
    """What the one-column explanation says of one item of a covered person ("" when nothing)."""
    said = text.errors + text.reasons + text.missing + text.notes
    return t("rules.summary.item", lang, item=t(f"rules.item_title.{item}", lang), text=join_list(said, lang)) if said else ""


@lru_cache(maxsize=4096)
def coverage_summary(coverage: ItemText, lang: str = "zh") -> str:
    """Why a person is not covered ("" when covered)."""
    said = coverage.reasons + coverage.missing
    return t("rules.summary.not_covered", lang, reasons=join_list(said, lang)) if said else ""


for _cache in (describe_coverage, _describe_item,):   # they read the list of policies
    reference.on_policies_changed(_cache.cache_clear)
