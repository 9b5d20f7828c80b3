"""A seeded roster that hits the contract's boundaries, as (cells, person) pairs: the cells are
what an officer would type (ROSTER.md headers, varied spellings), the person is the same row as
already-parsed values for the oracle (tests/contract/oracle.py). Written from RULES.md,
ROSTER.md and FACTS.md only."""
from __future__ import annotations

import csv
import datetime as dt
import io
import random

from tests.contract.oracle import BAD, PLACEHOLDERS, months_inclusive

HEADERS = {
    "name": "姓名", "id_number": "身份证号", "home_province": "户籍省份",
    "home_county": "户籍县（市、区）", "registered_poor": "建档立卡",
    "first_employment_date": "首次来绍就业日期", "work_district": "就业区县",
    "employer": "用人单位", "social_insurance_months": "社保缴纳月数",
    "continuous_months": "连续工作月数", "certificate_level": "职业资格等级",
    "certificate_date": "取证日期", "training_cost": "培训费用",
    "self_rented_months": "自行租房月数", "organizer": "组织输入机构",
}
AS_OF = (dt.date(2021, 6, 30), dt.date(2022, 1, 1))

# FACTS.md: GB 11643 check character.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def check_char(first17: str) -> str:
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


# Province short name → (cell spellings, a region code of that province (FACTS.md), a county).
PROVINCES = {
    "四川": (["四川省", "四川"], "513226", "金川县"),
    "贵州": (["贵州省", "贵州"], "522601", "凯里市"),
    "湖北": (["湖北省", "湖北"], "422801", "恩施市"),
    "吉林": (["吉林省", "吉林"], "222401", "延吉市"),
    "内蒙古": (["内蒙古自治区", "内蒙古"], "150102", ""),
    "广西": (["广西壮族自治区", "广西"], "450102", ""),
    "新疆": (["新疆维吾尔自治区", "新疆"], "650102", ""),
    "宁夏": (["宁夏回族自治区", "宁夏"], "640104", ""),
    "西藏": (["西藏自治区", "西藏"], "540102", ""),
    "重庆": (["重庆市", "重庆"], "500101", ""),
    "河南": (["河南省", "河南"], "410102", ""),
    "甘肃": (["甘肃省", "甘肃"], "620102", ""),
    "黑龙江": (["黑龙江省", "黑龙江"], "230102", ""),
    "浙江": (["浙江省", "浙江"], "330602", ""),
    "北京": (["北京市", "北京"], "110101", ""),
    "广东": (["广东省", "广东"], "440103", ""),
    "辽宁": (["辽宁省", "辽宁"], "210102", ""),
}
FOUR = ["四川", "贵州", "湖北", "吉林"]
OTHERS = ["内蒙古", "广西", "新疆", "宁夏", "西藏", "重庆", "河南", "甘肃", "黑龙江"]
OUTSIDE = ["浙江", "北京", "广东", "辽宁"]
DISTRICTS = ["越城区", "柯桥区", "上虞区", "诸暨市", "嵊州市", "新昌县"]
YES = ["是", "Y", "yes", "1", "true", "是 "]
NO = ["否", "N", "no", "0", "false"]
REAL_NAMES = [   # real entities whose names merely contain a placeholder word
    "无锡新吴人力资源有限公司", "无为县劳务合作社", "绍兴自行车配件厂", "个人劳务经纪人王某",
    "空港劳务派遣公司", "本人力量劳务服务部", "浙江诺安纺织有限公司", "柯桥轻纺城劳务合作社",
]
LEVELS = ["初级工", "五级", "中级工", "四级", "高级工", "三级", "技师", "二级", "高级技师", "一级",
          "专项职业能力证书"]
KEY_DATES = [dt.date(2017, 12, 31), dt.date(2018, 1, 1), dt.date(2020, 12, 31),
             dt.date(2021, 1, 1)]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国"


def fmt_date(d: dt.date, rng: random.Random) -> str:
    """One of the forms ROSTER.md says are read."""
    return rng.choice([
        d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}.{d.month}.{d.day}",
        f"{d.year}年{d.month}月{d.day}日", d.strftime("%Y%m%d"),
    ])


def rand_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


class Builder:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.seq = 0
        self.rows: list[dict] = []     # {"label", "cells", "person"} or None for a blank row

    # --- one person ---------------------------------------------------------------------
    def base(self, province: str | None = None, first: dt.date | None = None) -> dict:
        rng = self.rng
        province = province or rng.choice(FOUR * 4 + OTHERS + OUTSIDE)
        first = first or rand_date(rng, dt.date(2018, 1, 1), dt.date(2020, 12, 31))
        possible = months_inclusive(first, AS_OF[0])
        return {
            "row_error": False,
            "name": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
            "registered_poor": True,
            "home_province": province,
            "home_county": PROVINCES[province][2] or None,
            "first_employment_date": first,
            "work_district": rng.choice(DISTRICTS),
            "employer": rng.choice(REAL_NAMES + [None, "无"]),
            "social_insurance_months": rng.choice([0, 2, 3, 4, 12, min(20, possible), possible]),
            "continuous_months": rng.choice([0, 11, 12, 13, min(24, possible), possible]),
            "certificate_level": None, "certificate_date": None, "training_cost": None,
            "self_rented_months": rng.choice([None, 0, 1, 6, min(40, possible)]),
            "organizer": rng.choice(REAL_NAMES + [None, "自行"]),
            "raw": {},   # field → cell text that overrides the rendering of the typed value
        }

    def id_number(self, province: str) -> str:
        self.seq += 1
        birth = dt.date(1965, 1, 1) + dt.timedelta(days=self.rng.randint(0, 35 * 365))
        first17 = PROVINCES[province][1] + birth.strftime("%Y%m%d") + f"{self.seq % 1000:03d}"
        return first17 + check_char(first17)

    def cells(self, p: dict) -> dict:
        rng = self.rng
        texts = PROVINCES[p["home_province"]][0]
        c = {
            "name": p["name"],
            "id_number": p.get("id_number") or self.id_number(p["home_province"]),
            "home_province": rng.choice(texts),
            "home_county": p["home_county"] or "",
            "registered_poor": rng.choice(YES if p["registered_poor"] else NO),
            "first_employment_date": fmt_date(p["first_employment_date"], rng),
            "work_district": rng.choice(["", "", "绍兴市"]) + p["work_district"],
        }
        for f in ("employer", "organizer", "certificate_level"):
            c[f] = "" if p[f] is None else str(p[f])
        for f in ("social_insurance_months", "continuous_months", "self_rented_months"):
            c[f] = "" if p[f] is None else str(p[f])
        c["certificate_date"] = "" if p["certificate_date"] in (None, BAD) else fmt_date(
            p["certificate_date"], rng)
        cost = p["training_cost"]
        c["training_cost"] = "" if cost in (None, BAD) else (
            str(int(cost)) if float(cost).is_integer() else str(cost))
        c.update(p["raw"])
        p["id_number"] = c["id_number"]
        return c

    def add(self, label: str, p: dict) -> dict:
        for f, v in p.items():
            if v is BAD and f not in p["raw"]:
                raise ValueError(f"{label}: {f} is BAD without a raw cell")
        self.rows.append({"label": label, "cells": self.cells(p), "person": p})
        return p

    # --- the scenarios ------------------------------------------------------------------
    def build(self) -> list[dict]:
        rng = self.rng
        # Months 2/3 and 11/12 (and around them).
        for si in (0, 2, 3, 4):
            for _ in range(2):
                p = self.base(rng.choice(FOUR))
                p["social_insurance_months"] = si
                p["organizer"] = rng.choice(REAL_NAMES)
                p["employer"] = rng.choice(REAL_NAMES)
                self.add(f"si={si}", p)
        for cm in (10, 11, 12, 13):
            for _ in range(2):
                p = self.base(rng.choice(FOUR))
                p["continuous_months"] = cm
                self.add(f"continuous={cm}", p)
        # Exactly possible / possible + 1, at each day of the check.
        for as_of in AS_OF:
            for field in ("social_insurance_months", "continuous_months", "self_rented_months"):
                for extra in (0, 1):
                    p = self.base(rng.choice(FOUR), rand_date(
                        rng, dt.date(2018, 1, 1), dt.date(2020, 12, 31)))
                    p[field] = months_inclusive(p["first_employment_date"], as_of) + extra
                    p["organizer"] = rng.choice(REAL_NAMES)
                    p["employer"] = rng.choice(REAL_NAMES)
                    self.add(f"{field}=possible({as_of})+{extra}", p)
        # Rent crossing the window end, and 36.
        for first in (dt.date(2020, 7, 15), dt.date(2020, 12, 31), dt.date(2019, 12, 1)):
            cap = months_inclusive(first, dt.date(2020, 12, 31))
            for rent in (cap - 1, cap, cap + 1, months_inclusive(first, AS_OF[0])):
                if rent <= 0:
                    continue
                p = self.base(rng.choice(FOUR), first)
                p["self_rented_months"] = rent
                self.add(f"rent={rent} cap={cap}", p)
        for first in (dt.date(2018, 1, 1), dt.date(2018, 1, 31), dt.date(2018, 3, 5)):
            for rent in (35, 36, 37, 40, 42):
                p = self.base(rng.choice(FOUR), first)
                p["self_rented_months"] = rent
                self.add(f"rent={rent} from {first}", p)
        for rent in (None, 0, 1):
            p = self.base(rng.choice(FOUR))
            p["self_rented_months"] = rent
            self.add(f"rent={rent}", p)
        # Placeholders (each word, trimmed, case-folded) and real names that contain them.
        for word in sorted(PLACEHOLDERS):
            for field in ("organizer", "employer"):
                p = self.base(rng.choice(FOUR))
                p["social_insurance_months"] = 6 if months_inclusive(
                    p["first_employment_date"], AS_OF[0]) >= 6 else 3
                shown = rng.choice([word, word.upper(), f" {word} ", word.title()])
                p[field] = shown
                self.add(f"{field} placeholder {word!r}", p)
        for name in REAL_NAMES:
            for field in ("organizer", "employer"):
                p = self.base(rng.choice(FOUR))
                p["social_insurance_months"] = 3
                p[field] = name
                self.add(f"{field} real name {name}", p)
        # Certificates: every level, costs, dates.
        for level in LEVELS:
            for _ in range(2):
                p = self.base(rng.choice(FOUR))
                p["certificate_level"] = level
                p["certificate_date"] = rand_date(rng, dt.date(2018, 1, 1),
                                                  dt.date(2020, 12, 31))
                p["training_cost"] = rng.choice([None, 600, 1200])
                self.add(f"level {level}", p)
        for level in ("初级工", "五级"):
            for cost in (None, 0, 0.5, 800, 999.5, 1000, 1200):
                p = self.base(rng.choice(FOUR))
                p["certificate_level"] = level
                p["certificate_date"] = rand_date(rng, dt.date(2018, 1, 1),
                                                  dt.date(2020, 12, 31))
                p["training_cost"] = cost
                self.add(f"{level} cost={cost}", p)
        cert_dates = KEY_DATES + [dt.date(2021, 9, 1), dt.date(2022, 3, 1)]
        for d in cert_dates:
            for level in ("中级工", "初级工", "高级工"):
                p = self.base(rng.choice(FOUR))
                p["certificate_level"] = level
                p["certificate_date"] = d
                p["training_cost"] = 700
                self.add(f"{level} dated {d}", p)
        for _ in range(4):   # dated before the first employment: paid, with a warning
            first = rand_date(rng, dt.date(2019, 1, 1), dt.date(2020, 12, 31))
            p = self.base(rng.choice(FOUR), first)
            p["certificate_level"] = rng.choice(["中级工", "高级工", "初级工"])
            p["certificate_date"] = rand_date(rng, dt.date(2018, 1, 1),
                                              first - dt.timedelta(days=1))
            p["training_cost"] = 900
            self.add("certificate before first employment", p)
        p = self.base(rng.choice(FOUR))
        p["certificate_date"] = dt.date(2019, 5, 1)
        self.add("date without a level", p)
        # First employment on the window's edges; provinces in and out; 建档立卡 否.
        for first in KEY_DATES + [dt.date(2017, 6, 1)]:
            for _ in range(3):
                p = self.base(rng.choice(FOUR), first)
                p["certificate_level"] = "中级工"
                p["certificate_date"] = dt.date(2020, 12, 31)
                self.add(f"first employment {first}", p)
        for prov in FOUR + OTHERS + OUTSIDE:
            p = self.base(prov)
            self.add(f"province {prov}", p)
        for prov in (FOUR + OTHERS + OUTSIDE)[::2]:
            p = self.base(prov)
            p["registered_poor"] = False
            self.add(f"not registered poor, {prov}", p)
        # Cells read as what they say.
        p = self.base(rng.choice(FOUR), dt.date(2018, 5, 1))
        p["social_insurance_months"] = 12
        p["raw"]["social_insurance_months"] = "１２"
        self.add("full-width months", p)
        p = self.base(rng.choice(FOUR), dt.date(2018, 5, 1))
        p["continuous_months"] = 13
        p["raw"]["continuous_months"] = " 13 "
        self.add("months with spaces", p)
        # Unreadable cells: errors of the items they feed.
        for field, text in (("social_insurance_months", "三个月"),
                            ("social_insurance_months", "3.5"),
                            ("social_insurance_months", "-1"),
                            ("social_insurance_months", ""),
                            ("continuous_months", "十二"),
                            ("continuous_months", ""),
                            ("self_rented_months", "半年"),
                            ("organizer", "#N/A")):
            for organizer in (rng.choice(REAL_NAMES), "无"):
                p = self.base(rng.choice(FOUR))
                p["organizer"] = organizer
                p["employer"] = rng.choice(REAL_NAMES)
                p[field] = None if text == "" else BAD
                p["raw"][field] = text
                self.add(f"{field}={text!r}", p)
        for field, text in (("certificate_date", "2019-02-30"), ("certificate_date", ""),
                            ("certificate_level", "#N/A"), ("training_cost", "八百")):
            p = self.base(rng.choice(FOUR))
            p["certificate_level"] = "初级工"
            p["certificate_date"] = dt.date(2019, 6, 1)
            p["training_cost"] = 500
            p[field] = None if text == "" else BAD
            p["raw"][field] = text
            self.add(f"{field}={text!r}", p)
        # Random fill over the same boundary sets.
        for _ in range(90):
            p = self.base(first=rng.choice([
                None, None, rng.choice(KEY_DATES),
                rand_date(rng, dt.date(2017, 6, 1), dt.date(2021, 6, 1))]))
            p["registered_poor"] = rng.random() > 0.1
            if rng.random() < 0.5:
                p["certificate_level"] = rng.choice(LEVELS)
                p["certificate_date"] = rng.choice(
                    cert_dates + [rand_date(rng, dt.date(2018, 1, 1), dt.date(2020, 12, 31))])
                p["training_cost"] = rng.choice([None, 0, 0.5, 800, 1000, 1200])
            p["organizer"] = rng.choice(REAL_NAMES + sorted(PLACEHOLDERS) + [None])
            p["employer"] = rng.choice(REAL_NAMES + sorted(PLACEHOLDERS) + [None])
            self.add("random", p)
        self.rows.insert(len(self.rows) // 2, None)   # one entirely blank row
        # Errors of the whole row.
        for field, text in (("first_employment_date", "2019-13-01"),
                            ("first_employment_date", ""), ("work_district", "杭州市西湖区"),
                            ("home_province", "火星"), ("registered_poor", "也许"),
                            ("name", "")):
            p = self.base(rng.choice(FOUR))
            p["row_error"] = True
            p["raw"][field] = text
            self.add(f"row error {field}={text!r}", p)
        p = self.base(rng.choice(FOUR))
        p["row_error"] = True
        good = self.id_number(p["home_province"])
        p["raw"]["id_number"] = good[:17] + ("0" if good[17] != "0" else "1")
        self.add("row error: wrong check character", p)
        # Repeated ID numbers: later rows are errors ("same person as row N").
        firsts = [r for r in self.rows if r and not r["person"]["row_error"]]
        for earlier in rng.sample(firsts, 3):
            p = self.base(earlier["person"]["home_province"])
            p["id_number"] = earlier["person"]["id_number"]
            p["row_error"] = True
            self.add("repeated ID number", p)
        return self.rows


def build_roster(seed: int = 20181128) -> list[dict]:
    """The rows, each with its Excel row number (header on row 1)."""
    rows = Builder(seed).build()
    for number, r in enumerate(rows, start=2):
        if r is not None:
            r["row"] = number
    return rows


def to_gbk_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    fields = list(HEADERS)
    w.writerow([HEADERS[f] for f in fields])
    for r in rows:
        w.writerow([""] * len(fields) if r is None else [r["cells"][f] for f in fields])
    return out.getvalue().encode("gbk")
