"""三(一) 探亲补贴.

Notice, 三(一): "在绍连续工作满一年以上的，给予一次性5000元探亲补贴".
Reading (RULES.md): continuous work in Shaoxing for at least 12 months; 5000, once per person.
"""
from __future__ import annotations

import numpy as np

from core.items.base import ONCE, WORKER, Condition, Item, at_least, more_months


def continuous_months_enough(sim):
    """三(一): 在绍连续工作满一年以上."""
    return at_least(sim.continuous, sim.param("family_visit.min_continuous_months"))


def _fmt(facts, policy):
    return {"months": facts["continuous_months"], "min": policy["family_visit.min_continuous_months"]}


def _amount(sim):
    return sim.param("family_visit.amount").astype("int64")


def _next_step(failing, facts, policy, lang):
    if failing == {"continuous_months_enough"}:
        return more_months("rules.next.family_visit", facts["continuous_months"],
                           policy["family_visit.min_continuous_months"], policy["family_visit.amount"], lang)
    return None


ITEM = Item(
    code="family_visit",
    clause="三(一)",
    payee=WORKER,
    frequency=ONCE,
    conditions=(
        Condition("continuous_months_enough", "三(一)", continuous_months_enough, changeable_until="claim_deadline",
                  fmt=_fmt),
    ),
    inputs=("continuous_months",),
    amount=_amount,
    facts=lambda sim: {"continuous_months": np.clip(sim.continuous[0], 0, 999)},
    next_step=_next_step,
    possible=lambda sim: (_amount(sim), np.ones(sim.n, dtype=bool)),
)
