"""A reference reading of RULES.md + ROSTER.md for one roster row, written from the contract
only (it shares no code and no data file with ``core``), so that the program can be checked
against an independent answer (tests/contract/test_roster_contract.py).

``evaluate(person, as_of)`` takes one person as already-parsed values and returns, per item,
the status, the amount due and the amount payable, the totals, ``claim_closed``, the hiring
``category`` and the counted months of the two monthly items.

A person is a dict:

    row_error            True when the row is an error of the whole row (a bad or missing 姓名,
                         身份证号, 户籍省份, 建档立卡, 首次来绍就业日期, 就业区县, or a repeated ID)
    registered_poor      bool
    home_province        short name: 四川, 内蒙古, 浙江 …
    home_county          text or None
    first_employment_date  datetime.date
    work_district        canonical name: 柯桥区 …
    employer, organizer  the cell's text, None when blank, BAD when unreadable (#N/A …)
    social_insurance_months, continuous_months, self_rented_months
                         int, None when blank, BAD when unreadable
    certificate_level    the cell's text (初级工, 五级, 技师, 专项职业能力证书 …), None, or BAD
    certificate_date     datetime.date, None, or BAD
    training_cost        number (yuan), None, or BAD

Everything is written per row, in plain Python, on purpose: it is the slow, obvious version.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_FLOOR, Decimal

BAD = "<unreadable>"   # a cell that holds something that cannot be read (ROSTER.md)

# --- Fixed facts (RULES.md, "Fixed facts") --------------------------------------------------
WINDOW_START = dt.date(2018, 1, 1)    # 政策执行时间, 三 last paragraph
WINDOW_END = dt.date(2020, 12, 31)    # 政策执行时间, 三 last paragraph
CLAIM_DEADLINE = dt.date(2021, 12, 31)  # 兑现政策截止时间, 三 last paragraph
LONGEST_MONTHS = 36                   # 补贴期限最长不超过三年, 三 last paragraph

PAIRED_FOUR = {"四川", "贵州", "湖北", "吉林"}   # 二; 三 last paragraph
# RULES.md, hiring targets: the other 18 of the 22 中西部 provinces.
OTHER_CENTRAL_WESTERN = {
    "河北", "山西", "内蒙古", "黑龙江", "安徽", "江西", "河南", "湖南", "广西", "海南",
    "重庆", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆",
}
SIX_DISTRICTS = {"越城区", "柯桥区", "上虞区", "诸暨市", "嵊州市", "新昌县"}   # 二

# --- Amounts (RULES.md, "Amounts (yuan)" and the items table) --------------------------------
STABILIZATION = 3000          # 就业稳岗补贴, once, 三(一)
FAMILY_VISIT = 5000           # 探亲补贴, once, 三(一)
SKILL_PRIMARY_CAP = 1000      # 初级工: the training cost, at most 1000, 三(二)
SKILL_INTERMEDIATE = 1500     # 中级工, 三(二)
SKILL_ADVANCED = 2000         # 高级工, 三(二)
RENT_PER_MONTH = 500          # 租房补贴 per person-month, 三(三)
ORGANIZER_SERVICE = 2000      # 就业创业服务补贴 per person, 三(四)
SI_MONTHS_NEEDED = 3          # 依法缴纳3个月以上社会保险, 三(一), 三(四)
CONTINUOUS_MONTHS_NEEDED = 12  # 在绍连续工作满一年以上, 三(一)

WORKER_ITEMS = ("stabilization", "family_visit", "skill_training", "rent")
ROSTER_ITEMS = WORKER_ITEMS + ("organizer_service",)
ALL_ITEMS = ROSTER_ITEMS + ("employer_social_insurance",)

# RULES.md, "Placeholders are not names": the exact list (trimmed, case-insensitive).
PLACEHOLDERS = {
    "无", "没有", "暂无", "否", "空", "无组织", "自行", "自行来绍", "个人", "本人", "自己",
    "0", "/", "-", "—", "——", "n/a", "na", "none", "null",
}

# ROSTER.md 职业资格等级 and FACTS.md "Skill levels": 五级 = 初级工 … 一级 = 高级技师.
LEVEL_ALIASES = {
    "初级工": "初级工", "五级": "初级工",
    "中级工": "中级工", "四级": "中级工",
    "高级工": "高级工", "三级": "高级工",
    "技师": "技师", "二级": "技师",
    "高级技师": "高级技师", "一级": "高级技师",
}
PAID_LEVELS = {"中级工": SKILL_INTERMEDIATE, "高级工": SKILL_ADVANCED}   # 初级工: the cost
UNLISTED_LEVELS = {"技师", "高级技师"}   # not listed by 三(二): 0, not eligible
# RULES.md: a certificate that is not a 职业资格 level is not eligible (not an error).
NOT_QUALIFICATION = {"专项职业能力证书", "职业技能等级证书", "培训合格证"}


def is_named(text) -> bool:
    """True when the cell names an entity: not blank and not one of the placeholder words."""
    if text is None:
        return False
    trimmed = str(text).strip()
    return trimmed != "" and trimmed.lower() not in PLACEHOLDERS


def months_inclusive(start: dt.date, end: dt.date) -> int:
    """Calendar months from the month of ``start`` through the month of ``end``, both included."""
    return (end.year - start.year) * 12 + (end.month - start.month) + 1


def monthly_cap(first: dt.date, as_of: dt.date) -> int:
    """The monthly-items rule: months inside 2018-01..2020-12 from the month of first
    employment (and not after the month of the check), at most 36."""
    start = max(first, WINDOW_START)
    end = min(WINDOW_END, as_of)
    if end < start:
        return 0
    return min(months_inclusive(start, end), LONGEST_MONTHS)


def is_covered(p: dict) -> bool:
    """RULES.md, "Who is covered": all four conditions."""
    return (
        p["registered_poor"] is True
        and p["home_province"] in PAIRED_FOUR
        and WINDOW_START <= p["first_employment_date"] <= WINDOW_END
        and p["work_district"] in SIX_DISTRICTS
    )


def category(p: dict) -> str:
    """RULES.md hiring targets / ROSTER.md: does not depend on the dates."""
    if p["registered_poor"] is not True:
        return "not_counted"
    if p["home_province"] in PAIRED_FOUR:
        return "paired_four"
    if p["home_province"] in OTHER_CENTRAL_WESTERN:
        return "other_central_western"
    return "not_counted"


def _month_count(value, possible: int, required: bool):
    """(usable int or None, bad?) for a month count: blank on a required column, unreadable,
    negative, or more than possible ("Month counts that cannot be true") is bad."""
    if value is BAD:
        return None, True
    if value is None:
        return (None, True) if required else (0, False)
    if value < 0 or value > possible:
        return None, True
    return value, False


def _status(fails: bool, bad: bool, missing: bool) -> str:
    """RULES.md precedence: known to fail → not_eligible; else bad → error; else missing →
    unknown; else eligible."""
    if fails:
        return "not_eligible"
    if bad:
        return "error"
    if missing:
        return "unknown"
    return "eligible"


def _whole_yuan(cost) -> int:
    """Amounts are whole yuan (a cost of 999.5 pays 999). RULES.md does not say how a cost in
    jiao is paid; this is the project's reading (docs/READING.md), and a cost that comes to 0 whole
    yuan is not eligible, like a cost of 0."""
    return int(Decimal(str(cost)).to_integral_value(rounding=ROUND_FLOOR))


def _skill(p: dict, covered: bool, as_of: dt.date):
    """(status, amount) of 职业技能培训和鉴定补贴, RULES.md items table, 三(二)."""
    fails = not covered
    bad = missing = False
    amount = 0
    raw = p.get("certificate_level")
    if raw is None or str(raw).strip() == "":
        return "not_eligible", 0              # no certificate
    if raw is BAD:
        bad = True
        level = None
    else:
        text = str(raw).strip()
        level = LEVEL_ALIASES.get(text)
        if level is None:
            if text in NOT_QUALIFICATION:
                fails = True                  # not a 职业资格 level
            else:
                bad = True                    # a level that cannot be read at all
        elif level in UNLISTED_LEVELS:
            fails = True                      # 技师 / 高级技师: not listed by the notice
    date = p.get("certificate_date")
    if date is None or date is BAD:
        bad = True                            # 取证日期 required when a level is given
    elif date > as_of:
        bad = True                            # dated after the day of the check: an error
    elif not (WINDOW_START <= date <= WINDOW_END):
        fails = True                          # dated outside the policy window
    if level == "初级工":
        cost = p.get("training_cost")
        if cost is BAD or (cost is not None and cost < 0):
            bad = True
        elif cost is None:
            missing = True                    # no cost given: not enough information
        elif _whole_yuan(cost) == 0:
            # a cost of 0 is not eligible; amounts are whole yuan, so a cost under 1 yuan comes to
            # 0 as well (the project's reading, docs/READING.md: not "eligible, 0 yuan")
            fails = True
        else:
            amount = min(_whole_yuan(cost), SKILL_PRIMARY_CAP)
    elif level in PAID_LEVELS:
        amount = PAID_LEVELS[level]
    status = _status(fails, bad, missing)
    return status, amount if status == "eligible" else 0


def evaluate(p: dict, as_of: dt.date) -> dict:
    """One row's answer (see the module docstring)."""
    closed = as_of > CLAIM_DEADLINE
    if p.get("row_error"):
        zero = {k: 0 for k in ROSTER_ITEMS}
        return {
            "valid": False, "category": None, "status": None, "amounts": zero,
            "payable": dict(zero), "total_to_worker": 0, "total_payable_to_worker": 0,
            "claim_closed": closed, "rent_months": 0, "employer_si_months": 0,
        }
    covered = is_covered(p)
    first = p["first_employment_date"]
    possible = months_inclusive(first, as_of)
    si, si_bad = _month_count(p.get("social_insurance_months"), possible, required=True)
    cont, cont_bad = _month_count(p.get("continuous_months"), possible, required=True)
    rent, rent_bad = _month_count(p.get("self_rented_months"), possible, required=False)
    cap = monthly_cap(first, as_of)
    status, amounts = {}, {}

    # 就业稳岗补贴 三(一): social insurance ≥ 3 months.
    status["stabilization"] = _status(
        not covered or (not si_bad and si < SI_MONTHS_NEEDED), si_bad, False)
    amounts["stabilization"] = STABILIZATION

    # 探亲补贴 三(一): continuous work ≥ 12 months.
    status["family_visit"] = _status(
        not covered or (not cont_bad and cont < CONTINUOUS_MONTHS_NEEDED), cont_bad, False)
    amounts["family_visit"] = FAMILY_VISIT

    status["skill_training"], amounts["skill_training"] = _skill(p, covered, as_of)

    # 租房补贴 三(三): 500 × counted months; counted = reported, capped by the monthly rule.
    rent_counted = 0 if rent_bad else min(rent, cap)
    status["rent"] = _status(not covered or (not rent_bad and rent_counted == 0), rent_bad, False)
    amounts["rent"] = RENT_PER_MONTH * rent_counted

    # 就业创业服务补贴 三(四): an organiser named (not a placeholder) and social insurance ≥ 3.
    org = p.get("organizer")
    org_bad = org is BAD
    status["organizer_service"] = _status(
        not covered or (not org_bad and not is_named(org))
        or (not si_bad and si < SI_MONTHS_NEEDED),
        org_bad or si_bad, False)
    amounts["organizer_service"] = ORGANIZER_SERVICE

    # 企业社会保险补贴 三(三): an employer named; counted months = social-insurance months,
    # capped by the monthly rule; no amount without a local standard.
    emp = p.get("employer")
    emp_bad = emp is BAD
    status["employer_social_insurance"] = _status(
        not covered or (not emp_bad and not is_named(emp)), emp_bad or si_bad, False)
    esi_months = min(si, cap) if status["employer_social_insurance"] == "eligible" else 0

    due = {k: (amounts[k] if status[k] == "eligible" else 0) for k in ROSTER_ITEMS}
    payable = {k: (0 if closed else v) for k, v in due.items()}
    return {
        "valid": True,
        "category": category(p),
        "status": status,
        "amounts": due,
        "payable": payable,
        "total_to_worker": sum(due[k] for k in WORKER_ITEMS),
        "total_payable_to_worker": sum(payable[k] for k in WORKER_ITEMS),
        "claim_closed": closed,
        "rent_months": rent_counted if status["rent"] == "eligible" else 0,
        "employer_si_months": esi_months,
    }


def summarize(results: list[dict], as_of: dt.date) -> dict:
    """The summary totals ROSTER.md names, from the rows' answers."""
    valid = [r for r in results if r["valid"]]
    return {
        "rows": len(results),
        "valid": len(valid),
        "errors": len(results) - len(valid),
        "amounts": {k: sum(r["amounts"][k] for r in results) for k in ROSTER_ITEMS},
        "payable": {k: sum(r["payable"][k] for r in results) for k in ROSTER_ITEMS},
        "total_to_worker": sum(r["total_to_worker"] for r in results),
        "total_payable_to_worker": sum(r["total_payable_to_worker"] for r in results),
        "claim_closed": as_of > CLAIM_DEADLINE,
        "claim_deadline": CLAIM_DEADLINE.isoformat(),
        "as_of": as_of.isoformat(),
    }
