"""What an item of the notice is made of: the shape every module of ``core.items`` fills in.

An item is one subsidy of 三 (就业稳岗补贴, 租房补贴 …) paid to or for one person. Its module
gives, next to the sentence of the notice it implements:

- its conditions (besides coverage), each a named three-valued column over the whole roster;
- the typed inputs it reads, so that a bad value in one of them makes this item, and only this
  item, an error (RULES.md, "Errors on one item do not hide the others");
- its amount when eligible, and the most it could give while something is still unknown;
- the small numbers its texts quote (``facts``), by name, and the texts themselves: what an
  eligible item says of how the amount was reached, the notes an officer must see, and the one
  step that would make it pay.

Everything else (the engine, the explanations, the self-check, storage and outputs) reads the
registry in ``core.items`` and never names an item.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd

from core.i18n import t
from core.rules import tri

if TYPE_CHECKING:
    from core.reference import Policy
    from core.rules import Simulation

# How often an item pays one person (storage keeps a ledger accordingly).
ONCE = "once"                       # one time per person, over all uploads
ONCE_PER_LEVEL = "once_per_level"   # one time per person and certificate level
PER_MONTH = "per_month"             # per counted month, at most the longest subsidy period in all

# Who is paid.
WORKER, ORGANIZER, EMPLOYER = "worker", "organizer", "employer"


def at_least(counted: tuple[np.ndarray, np.ndarray], minimum: np.ndarray) -> pd.arrays.BooleanArray:
    """A month count (values, known) reaches the minimum: the test of 三(一) and 三(四)."""
    months, known = counted
    return tri(months >= minimum, known)


def at_standard(months: np.ndarray, monthly: np.ndarray) -> np.ndarray:
    """Counted months of a monthly item at a local standard, in whole yuan (a fraction of a yuan
    is dropped). A later upload's months not yet counted are paid by the same rule
    (core.db.ledger), so months counted over several uploads come to what they would in one,
    within a yuan per upload."""
    return np.floor(np.asarray(months) * np.asarray(monthly, dtype="float64") + 1e-9).astype("int64")


def more_months(key: str, months: int, minimum: int, amount: int, lang: str) -> str:
    """"再缴纳 N 个月…即可享受 X 元": the step of an item whose one failing condition is a month count."""
    return t(key, lang, n=minimum - months, amount=amount)


@dataclass(frozen=True)
class Condition:
    """One named test of an item, three-valued: True, False, or <NA> (not enough information)."""

    name: str
    clause: str
    formula: Callable[["Simulation"], pd.arrays.BooleanArray]
    # until when a person can still make a failing condition hold by acting ("claim_deadline",
    # "window_end"); None: it is a fact (who the person is, what was paid, a level)
    changeable_until: str | None = None
    # the catalog entry says nothing worth reading when it holds (no "pass" text)
    quiet: bool = False
    # the figures its texts quote, from the item's facts and the policy
    fmt: Callable[[dict, "Policy"], dict] = field(default=lambda facts, policy: {})


@dataclass(frozen=True)
class Texts:
    """What an item says besides its conditions, for one group of rows."""

    detail: list[str] = field(default_factory=list)   # how an eligible amount was reached, plainly
    notes: list[str] = field(default_factory=list)    # what an officer must see next to the amount
    replaces_held: bool = False   # the texts say it all: the conditions that hold are not listed


@dataclass(frozen=True)
class Context:
    """What a text of an item is written for."""

    policy: "Policy"
    lang: str
    audience: str
    standards: dict
    eligible: bool


@dataclass(frozen=True)
class Item:
    code: str
    clause: str
    payee: str
    frequency: str
    conditions: tuple[Condition, ...]
    inputs: tuple[str, ...]                                   # typed fields it depends on
    amount: Callable[["Simulation"], np.ndarray]              # yuan when eligible (int64)
    facts: Callable[["Simulation"], dict[str, np.ndarray]]    # small whole numbers its texts quote
    texts: Callable[[dict, Context], Texts] = field(default=lambda facts, ctx: Texts())
    next_step: Callable[[frozenset, dict, "Policy", str], str | None] = field(default=lambda failing, facts, policy, lang: None)
    # the most it could give on what is known (values, known): used while the item is unknown
    possible: Callable[["Simulation"], tuple[np.ndarray, np.ndarray]] | None = None
    # counted months of a monthly item (0 where nothing counts)
    months: Callable[["Simulation"], np.ndarray] | None = None
    # the parameter of a local standard the amount waits for (no amount until it is set)
    local_standard: str | None = None
    # the result column of the counted months (default "<code>_months")
    months_name: str | None = None

    @property
    def to_worker(self) -> bool:
        return self.payee == WORKER

    @property
    def months_column(self) -> str:
        return self.months_name or f"{self.code}_months"

    @property
    def condition_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.conditions)
