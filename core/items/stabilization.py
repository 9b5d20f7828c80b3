"""三(一) 就业稳岗补贴.

Notice, 三(一): "对在我市依法缴纳3个月以上社会保险的建档立卡人员，给予一次性3000元就业稳岗补贴".
Reading (RULES.md): social insurance paid in Shaoxing for at least 3 months; 3000, once per person.
"""
from __future__ import annotations

import numpy as np

from core.items.base import ONCE, WORKER, Condition, Item, at_least, more_months


def si_months_enough(sim):
    """三(一): 依法缴纳3个月以上社会保险."""
    return at_least(sim.si, sim.param("stabilization.min_social_insurance_months"))


def _fmt(facts, policy):
    return {"months": facts["si_months"], "min": policy["stabilization.min_social_insurance_months"]}


def _amount(sim):
    return sim.param("stabilization.amount").astype("int64")


def _facts(sim):
    return {"si_months": np.clip(sim.si[0], 0, 999)}


def _next_step(failing, facts, policy, lang):
    if failing == {"si_months_enough"}:
        return more_months("rules.next.stabilization", facts["si_months"],
                           policy["stabilization.min_social_insurance_months"], policy["stabilization.amount"], lang)
    return None


ITEM = Item(
    code="stabilization",
    clause="三(一)",
    payee=WORKER,
    frequency=ONCE,
    conditions=(Condition("si_months_enough", "三(一)", si_months_enough, changeable_until="claim_deadline", fmt=_fmt),),
    inputs=("social_insurance_months",),
    amount=_amount,
    facts=_facts,
    next_step=_next_step,
    possible=lambda sim: (_amount(sim), np.ones(sim.n, dtype=bool)),
)
