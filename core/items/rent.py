"""三(三) 租房补贴.

Notice, 三(三): "在绍就业创业期间自行租房的，给予每人每月500元的租房补贴".
Reading (RULES.md): months of self-rented housing while employed or self-employed in Shaoxing;
500 a counted month. Counted months are the months reported, capped by the monthly-items rule
(inside 2018-01 .. 2020-12, at most 36 per person over all uploads); a cap that bites is said.
"""
from __future__ import annotations

import numpy as np

from core.i18n import t
from core.items.base import PER_MONTH, WORKER, Condition, Item, Texts
from core.rules import tri


def self_rented(sim):
    """三(三): 在绍就业创业期间自行租房."""
    months, known = sim.rented
    return tri(months > 0, known)


def counted(sim) -> np.ndarray:
    """The reported months inside the window and the longest subsidy period."""
    return sim.counted_months(sim.rented[0])


def _monthly(sim):
    return sim.param("rent.monthly").astype("int64")


def _amount(sim):
    return counted(sim) * _monthly(sim)


def _facts(sim):
    return {"reported": np.clip(sim.rented[0], 0, 4095), "counted": counted(sim)}


def _texts(facts, ctx):
    if not ctx.eligible:
        return Texts()
    policy, lang = ctx.policy, ctx.lang
    if facts["counted"] < facts["reported"]:
        end = t("rules.month", lang, y=policy.end.year, m=policy.end.month)
        return Texts(notes=[t("rules.note.rent_capped", lang, reported=facts["reported"], counted=facts["counted"],
                              end=end, max=policy["max_subsidy_months"], monthly=policy["rent.monthly"])],
                     replaces_held=True)
    return Texts(detail=[t("rules.note.rent_counted", lang, counted=facts["counted"], monthly=policy["rent.monthly"])])


def _next_step(failing, facts, policy, lang):
    if failing == {"self_rented"}:
        return t("rules.next.rent", lang, monthly=policy["rent.monthly"])
    return None


def capped(sim) -> np.ndarray:
    """The reported months exceed those that count (a warning on the row)."""
    return sim.cap_bites("self_rented_months")


ITEM = Item(
    code="rent",
    clause="三(三)",
    payee=WORKER,
    frequency=PER_MONTH,
    conditions=(
        Condition("self_rented", "三(三)", self_rented, changeable_until="window_end",
                  fmt=lambda facts, policy: {"reported": facts["reported"]}),
    ),
    inputs=("self_rented_months",),
    amount=_amount,
    facts=_facts,
    texts=_texts,
    next_step=_next_step,
    possible=lambda sim: (_amount(sim), sim.rented[1]),
    months=counted,
    months_name="rent_counted_months",
)
