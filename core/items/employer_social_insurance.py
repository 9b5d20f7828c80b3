"""三(三) 企业社会保险补贴, paid to the employer.

Notice, 三(三): "同等享受就业困难人员各项就业创业政策，对吸纳建档立卡人员就业的企业，给予社会保险补贴"
(the amount is the local 就业困难人员 standard: RULES.md).
Reading (RULES.md): an employer (an enterprise) is named, not a placeholder; the months that count
are the social-insurance months, capped by the monthly-items rule (inside 2018-01 .. 2020-12, at
most 36 per person over all uploads). The notice gives no figure: an amount only once an
administrator has entered the local standard, never an invented one.
"""
from __future__ import annotations

import numpy as np

from core.items.base import EMPLOYER, PER_MONTH, Condition, Item, Texts, at_standard


def employer_named(sim):
    """三(三): 吸纳 … 就业的企业 (a named employer; placeholders are not names)."""
    return sim._bool("employer_named")


STANDARD = "employer_social_insurance.monthly"


def counted(sim) -> np.ndarray:
    return sim.counted_months(sim.si[0])


def _amount(sim):
    monthly, configured = sim.standard(STANDARD)
    return np.where(configured, at_standard(counted(sim), monthly), 0).astype("int64")


def _texts(facts, ctx):
    if not ctx.eligible:
        return Texts()
    from core.explain import worded

    configured = ctx.standards.get(STANDARD) is not None or ctx.policy[STANDARD] is not None
    key = "note.employer_months" if configured else "note.employer_no_standard"
    return Texts(detail=[worded(key, ctx.lang, ctx.audience, months=facts["counted"])])


def capped(sim) -> np.ndarray:
    """The social-insurance months exceed those that count (a warning on the row)."""
    return sim.cap_bites("social_insurance_months")


ITEM = Item(
    code="employer_social_insurance",
    clause="三(三)",
    payee=EMPLOYER,
    frequency=PER_MONTH,
    conditions=(Condition("employer_named", "三(三)", employer_named, changeable_until="claim_deadline"),),
    inputs=("social_insurance_months", "employer"),
    amount=_amount,
    facts=lambda sim: {"counted": counted(sim)},
    texts=_texts,
    possible=lambda sim: (_amount(sim), sim.si[1] & sim.standard(STANDARD)[1]),
    months=counted,
    local_standard=STANDARD,
)
