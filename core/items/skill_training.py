"""三(二) 职业技能培训和鉴定补贴.

Notice, 三(二): "对来绍参加职业技能培训并取得职业资格证书的建档立卡人员，按初级工不超过1000元/人、
中级工1500元/人、高级工2000元/人的标准给予职业技能培训和鉴定补贴".
Reading (RULES.md): a 职业资格 certificate from training in Shaoxing, dated inside the policy
window, level 初级工 / 中级工 / 高级工; once per person per level (the clause has no 一次性).
初级工 pays the training cost up to 1000: without a cost there is not enough information (the
notice gives only a ceiling, the software never pays it as a guess), a cost of 0 pays nothing.
技师 and 高级技师 are not listed: 0, with that reason; a certificate that is not a 职业资格 level is
not eligible. A certificate dated before the first employment is paid, with a note to check it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.i18n import t
from core.items.base import ONCE_PER_LEVEL, WORKER, Condition, Item, Texts
from core.rules import LEVELS, tri

OTHER = len(LEVELS) + 1      # level code of a certificate that is not a 职业资格 level
JUNIOR, INTERMEDIATE, SENIOR = 1, 2, 3


def has_certificate(sim):
    """三(二): 取得职业资格证书 (any certificate; its kind and level are the next tests)."""
    code = sim.level_code
    return tri(code > 0, code >= 0)


def is_qualification(sim):
    """三(二): 职业资格证书, not 专项职业能力证书, 职业技能等级证书 or a 培训合格证."""
    code = sim.level_code
    return tri(code != OTHER, code >= 0)


def level_listed(sim):
    """三(二) lists 初级工, 中级工 and 高级工 only; without a listed level there is nothing to object to."""
    code = sim.level_code
    return tri((code == 0) | ((code >= JUNIOR) & (code <= SENIOR)) | (code == OTHER), code >= 0)


def _certificate_date(sim) -> np.ndarray:
    return sim.date_column("certificate_date")


def _without_level(sim) -> np.ndarray:
    return (sim.level_code == 0) | (sim.level_code == OTHER)


def certificate_in_window(sim):
    """三 last paragraph: the certificate is dated inside the window of the person's policy."""
    d = _certificate_date(sim)
    none = _without_level(sim)
    inside = none | ((d >= sim.window_start()) & (d <= sim.window_end()))
    return tri(inside, none | ~np.isnat(d))


def training_cost(sim) -> tuple[np.ndarray, np.ndarray]:
    """(培训费用 with 0 for unknown, known mask)."""
    def compute():
        cost = pd.array(sim.frame["training_cost"], dtype="Float64")
        return cost.to_numpy(dtype="float64", na_value=0.0), ~np.asarray(cost.isna())
    return sim.memo("training_cost", compute)


def junior_cost_given(sim):
    """三(二) pays 初级工 the training cost (不超过1000元): without the cost the amount is unknown."""
    missing = (sim.level_code == JUNIOR) & ~training_cost(sim)[1]
    return tri(np.ones(sim.n, dtype=bool), ~missing)


def junior_cost_paid(sim):
    """A 初级工 cost that comes to nothing (0, or under 1 yuan) gives nothing: a reason, not "0 yuan"."""
    nothing = (sim.level_code == JUNIOR) & training_cost(sim)[1] & (_amount(sim) < 1)
    return tri(~nothing, np.ones(sim.n, dtype=bool))


def _amount(sim):
    return sim.memo("skill_amount", lambda: _computed_amount(sim))


def _computed_amount(sim):
    """初级工: the training cost, capped, in whole yuan (a fraction of a yuan is dropped, so the
    subsidy never exceeds what was paid); 中级工, 高级工: the fixed amounts; else 0."""
    code = sim.level_code
    cost, _ = training_cost(sim)
    cap = sim.param("skill_training.cap_junior").astype("float64")
    amount = np.select(
        [code == JUNIOR, code == INTERMEDIATE, code == SENIOR],
        [np.minimum(cost, cap), sim.param("skill_training.amount_intermediate"),
         sim.param("skill_training.amount_senior")],
        0,
    )
    return np.floor(amount.astype("float64") + 1e-9).astype("int64")


def _possible(sim):
    """The most it could give: a 初级工 without a cost its ceiling; an unknown level the highest."""
    code = sim.level_code
    cap = sim.param("skill_training.cap_junior").astype("int64")
    top = np.maximum.reduce([cap, sim.param("skill_training.amount_intermediate").astype("int64"),
                             sim.param("skill_training.amount_senior").astype("int64")])
    junior_unknown = (code == JUNIOR) & ~training_cost(sim)[1]
    return np.select([code < 0, junior_unknown], [top, cap], _amount(sim)), np.ones(sim.n, dtype=bool)


def before_arrival(sim) -> np.ndarray:
    """A certificate dated before the first employment: paid, with a note to check (RULES.md)."""
    d = _certificate_date(sim)
    listed = (sim.level_code >= JUNIOR) & (sim.level_code <= SENIOR)
    return listed & ~np.isnat(d) & sim.first_date_known & (d < sim.first_date)


def _facts(sim):
    code = sim.level_code
    cost, known = training_cost(sim)
    fen = np.zeros(sim.n, dtype="int64")
    capped = np.zeros(sim.n, dtype="int64")
    rounded = np.zeros(sim.n, dtype="int64")
    rows = np.flatnonzero((code == JUNIOR) & known)     # 初级工 with a cost: the few rows concerned
    if len(rows):
        c = cost[rows]
        f = np.floor(np.clip(c, 0, (2**32 - 1) / 100) * 100 + 1e-6).astype("int64")
        over = c > sim.param("skill_training.cap_junior").astype("float64")[rows]
        part = ~over & (f % 100 != 0)
        quoted = over | part | (_amount(sim)[rows] < 1)
        fen[rows] = np.where(quoted, f, 0)
        capped[rows], rounded[rows] = over, part
    return {"level": code.astype("int64"), "cost_fen": fen, "capped": capped, "rounded": rounded,
            "before_arrival": before_arrival(sim).astype("int64")}


def _yuan(fen: int) -> str:
    """An amount in fen as yuan, with only the decimals it has: 150000 -> 1500, 30050 -> 300.5."""
    whole, part = divmod(int(fen), 100)
    return str(whole) if not part else f"{whole}.{part:02d}".rstrip("0")


def _level_fmt(facts, policy):
    level = facts["level"]
    return {"level": LEVELS[level - 1] if 1 <= level <= len(LEVELS) else ""}


def _texts(facts, ctx):
    notes = []
    if facts["before_arrival"]:
        notes.append(t("rules.note.skill_before_arrival", ctx.lang))
    if not ctx.eligible:
        return Texts(notes=notes)
    cap = ctx.policy["skill_training.cap_junior"]
    detail = []
    if facts["capped"]:
        detail.append(t("rules.note.skill_capped", ctx.lang, cost=_yuan(facts["cost_fen"]), cap=cap))
    elif facts["rounded"]:
        detail.append(t("rules.note.skill_rounded", ctx.lang, cost=_yuan(facts["cost_fen"]),
                        amount=facts["cost_fen"] // 100))
    return Texts(detail=detail, notes=notes)


def _next_step(failing, facts, policy, lang):
    if failing and failing <= {"has_certificate"}:
        return t("rules.next.skill_training", lang, junior=policy["skill_training.cap_junior"],
                 intermediate=policy["skill_training.amount_intermediate"],
                 senior=policy["skill_training.amount_senior"])
    return None


ITEM = Item(
    code="skill_training",
    clause="三(二)",
    payee=WORKER,
    frequency=ONCE_PER_LEVEL,
    conditions=(
        Condition("has_certificate", "三(二)", has_certificate, changeable_until="window_end"),
        Condition("is_qualification", "三(二)", is_qualification, quiet=True),
        Condition("level_listed", "三(二)", level_listed, fmt=_level_fmt),
        Condition("certificate_in_window", "三(二); 三 末段", certificate_in_window),
        Condition("junior_cost_given", "三(二)", junior_cost_given, quiet=True,
                  fmt=lambda facts, policy: {"cap": policy["skill_training.cap_junior"]}),
        Condition("junior_cost_paid", "三(二)", junior_cost_paid, quiet=True,
                  fmt=lambda facts, policy: {"cost": _yuan(facts["cost_fen"])}),
    ),
    inputs=("certificate_level", "certificate_date", "training_cost"),
    amount=_amount,
    facts=_facts,
    texts=_texts,
    next_step=_next_step,
    possible=_possible,
)
