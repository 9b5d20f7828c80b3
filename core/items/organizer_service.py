"""三(四) 就业创业服务补贴, paid to the organising market entity.

Notice, 三(四): "对人力资源服务机构、劳务合作社、劳务经纪人等市场主体组织建档立卡人员来绍就业，
并依法缴纳3个月以上社会保险的，按每人2000元的标准给予一次性就业创业服务补贴".
Reading (RULES.md): an organising entity is named (a placeholder such as 无 or 自行来绍 is not a
name) and the person paid social insurance for at least 3 months; 2000, once per person.
"""
from __future__ import annotations

import numpy as np

from core.items.base import ONCE, ORGANIZER, Condition, Item, at_least, more_months


def organizer_named(sim):
    """三(四): 市场主体组织 … 来绍就业 (a named organiser; placeholders are not names)."""
    return sim._bool("organizer_named")


def organizer_si_months_enough(sim):
    """三(四): 并依法缴纳3个月以上社会保险."""
    return at_least(sim.si, sim.param("organizer_service.min_social_insurance_months"))


def _fmt(facts, policy):
    return {"months": facts["si_months"], "min": policy["organizer_service.min_social_insurance_months"]}


def _amount(sim):
    return sim.param("organizer_service.amount").astype("int64")


def _next_step(failing, facts, policy, lang):
    if failing == {"organizer_si_months_enough"}:
        return more_months("rules.next.organizer_service", facts["si_months"],
                           policy["organizer_service.min_social_insurance_months"],
                           policy["organizer_service.amount"], lang)
    return None


ITEM = Item(
    code="organizer_service",
    clause="三(四)",
    payee=ORGANIZER,
    frequency=ONCE,
    conditions=(
        Condition("organizer_named", "三(四)", organizer_named),
        Condition("organizer_si_months_enough", "三(四)", organizer_si_months_enough,
                  changeable_until="claim_deadline", fmt=_fmt),
    ),
    inputs=("social_insurance_months", "organizer"),
    amount=_amount,
    facts=lambda sim: {"si_months": np.clip(sim.si[0], 0, 999)},
    next_step=_next_step,
    possible=lambda sim: (_amount(sim), np.ones(sim.n, dtype=bool)),
)
