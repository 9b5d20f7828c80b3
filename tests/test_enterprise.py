"""Items paid to enterprises and bases (core.enterprise): 三(五) 招聘补贴, 三(六) 爱心岗位 and 爱心奖补."""
from __future__ import annotations

import pandas as pd
import pytest

from core import reference
from core.enterprise import (
    base_awards,
    districts_without_fair,
    fairs_per_district,
    in_paired_area,
    love_post_subsidies,
    paired_areas,
    recruitment_fair_subsidies,
)

P = reference.policy()
PER_ENTERPRISE = P["recruitment_fair.per_enterprise"]
DISTRICTS = list(reference.districts()["name"])


def fairs(rows):
    return pd.DataFrame(rows, columns=["district", "date", "venue", "enterprise"])


# --------------------------------------------------------------------------- 三(五) 招聘补贴


def test_fair_amount_is_the_notice_figure():
    assert PER_ENTERPRISE == 3000


def test_each_enterprise_of_each_fair_is_paid_once():
    f = fairs([
        ("柯桥区", "2018-05-10", "金川县", "甲公司"),
        ("柯桥区", "2018-05-10", "金川县", "乙公司"),
        ("柯桥区", "2018-05-10", "金川县", " 甲公司 "),   # listed again: not paid twice
        ("柯桥区", "2018-09-01", "金川县", "甲公司"),     # another fair: paid again
        ("越城区", "2018-06-01", "马边彝族自治县", "甲公司"),
        ("越城区", "2018-06-01", "马边彝族自治县", None),  # no enterprise named
    ])
    out = recruitment_fair_subsidies(f)
    assert len(out) == len(f)
    assert out["amount"].tolist() == [3000, 3000, 0, 3000, 3000, 0]
    assert out["amount"].sum() == 4 * PER_ENTERPRISE
    assert out["reason"].iloc[2] != out["reason"].iloc[0]
    assert out["reason"].iloc[5] not in (out["reason"].iloc[0], out["reason"].iloc[2])


def test_districts_without_a_fair_in_the_year():
    f = fairs([
        ("柯桥区", "2018-05-10", "金川县", "甲公司"),
        ("越城区", "2018-06-01", "马边彝族自治县", "乙公司"),
        ("嵊州市", "2017-12-30", "马尔康市", "丙公司"),  # last year's fair does not count
    ])
    assert districts_without_fair(f, 2018) == [d for d in DISTRICTS if d not in ("柯桥区", "越城区")]
    assert districts_without_fair(f, 2017) == [d for d in DISTRICTS if d != "嵊州市"]
    assert districts_without_fair(fairs([]), 2018) == DISTRICTS


def test_fairs_per_district_counts_fairs_not_enterprises():
    f = fairs([
        ("柯桥区", "2018-05-10", "金川县", "甲公司"),
        ("柯桥区", "2018-05-10", "金川县", "乙公司"),
        ("柯桥区", "2018-09-01", "金川县", "甲公司"),
    ])
    t = fairs_per_district(f, 2018).set_index("district")
    assert list(t.index) == DISTRICTS
    assert t.loc["柯桥区", "fairs"] == 2
    assert t.loc["柯桥区", "enterprises"] == 2 and t.loc["柯桥区", "attendances"] == 3   # 甲 at two fairs
    assert not t.loc["柯桥区", "below_minimum"]
    assert t.loc["越城区", "fairs"] == 0 and t.loc["越城区", "below_minimum"]


def test_a_fair_counts_only_when_held_in_a_paired_area():
    """三(五): the districts go "前往对口帮扶地区" to hold their fairs. A fair held elsewhere pays no
    enterprise and does not meet the district's one fair a year; the reason names the areas."""
    assert paired_areas() == ("马边彝族自治县", "金川县", "小金县", "马尔康市")
    venues = pd.Series(["四川省阿坝州金川县", "马尔康", "小金县 县城广场", "马边彝族自治县", "杭州市西湖区",
                        "绍兴市柯桥区", "", None, "阿坝藏族羌族自治州",
                        # a short name inside another place's name is not that county
                        "甘肃省金昌市金川区人才市场", "小金山公园", "马边县", "阿坝州马尔康市体育馆"])
    assert in_paired_area(venues).tolist() == [True, True, True, True, False, False, False, False, False,
                                               False, False, True, True]
    f = fairs([
        ("柯桥区", "2019-05-01", "杭州市西湖区", "甲公司"),
        ("越城区", "2019-06-01", "马边", "乙公司"),
    ])
    out = recruitment_fair_subsidies(f)
    assert out["amount"].tolist() == [0, 3000]
    assert out["in_paired_area"].tolist() == [False, True]
    for area in paired_areas():
        assert area in out["reason"].iloc[0]
    assert "柯桥区" in districts_without_fair(f, 2019) and "越城区" not in districts_without_fair(f, 2019)
    assert fairs_per_district(f, 2019).set_index("district").loc["柯桥区", "fairs"] == 0


# --------------------------------------------------------------------------- 三(六) 爱心奖补


def bases(rows):
    return pd.DataFrame(rows, columns=["base", "level", "year", "hires"])


@pytest.mark.parametrize(
    "level, hires, amount",
    [("national", 20, 100000), ("national", 19, 0), ("national", 35, 100000),
     ("provincial", 10, 50000), ("provincial", 9, 0), ("provincial", 25, 50000), ("county", 50, 0)],
)
def test_base_award_thresholds(level, hires, amount):
    out = base_awards(bases([("某基地", level, 2018, hires)]))
    assert out["amount"].tolist() == [amount]
    assert out["status"].tolist() == ["eligible" if amount else "not_eligible"]


def test_base_award_once_per_base():
    out = base_awards(bases([
        ("甲基地", "national", 2019, 30),
        ("甲基地", "national", 2018, 25),
        ("甲基地", "national", 2020, 40),
        ("乙基地", "provincial", 2018, 5),   # not yet
        ("乙基地", "provincial", 2019, 12),  # first qualifying year
        ("丙基地", "provincial", 2019, 12),
    ]))
    assert out["amount"].tolist() == [0, 100000, 0, 0, 50000, 50000]
    assert out["reason"].iloc[0] == out["reason"].iloc[2] != out["reason"].iloc[1]
    assert out["amount"].sum() == 200000


# --------------------------------------------------------------------------- 三(六) 爱心岗位


def posts(rows):
    return pd.DataFrame(rows, columns=["employer", "person", "months"])


def test_love_post_has_no_amount_without_a_local_standard():
    assert P["love_post.monthly"] is None  # the notice gives no figure
    out = love_post_subsidies(posts([("甲", "张三", 6), ("乙", "李四", 40)]), None)
    assert out["amount"].isna().all()
    assert out["counted_months"].tolist() == [6, 12]
    assert out["reason"].iloc[0] and out["reason"].iloc[1].startswith(out["reason"].iloc[0])


def test_love_post_entry_is_one_years_months_at_most_12():
    out = love_post_subsidies(posts([("甲", "张三", 6), ("乙", "李四", 40), ("丙", "王五", -3), ("丁", "赵六", 12)]), 1500)
    assert out["counted_months"].tolist() == [6, 12, 0, 12]
    assert out["amount"].tolist() == [9000, 18000, 0, 18000]
    assert "12" in out["reason"].iloc[1] and out["reason"].iloc[1] != out["reason"].iloc[3]


def test_love_post_months_of_one_person_add_up_to_at_most_36():
    """The longest subsidy period (三, last paragraph) is per person, over all their entries, in
    year order; entries out of order are sorted by year. A person is the ID number; without one,
    the name at that employer; without a name, the entry alone."""
    rows = pd.DataFrame([
        # employer, person, person_key, year, months
        ("甲", "张三", "k1", 2020, 12),
        ("甲", "张三", "k1", 2018, 12),
        ("乙", "张三", "k1", 2019, 12),    # another employer, same ID number: same person
        ("丁", "张三", "k1", 2020, 6),     # a fourth record: the 36 months are used up
        ("丙", "李四", None, 2018, 12),
        ("丙", "李四", None, 2019, 12),
        ("丙", "李四", None, 2020, 12),
        ("丙", "李四", None, 2020, 6),
        ("丁", "李四", None, 2020, 6),     # same name, another employer, no ID: not the same person
        ("丙", None, None, 2020, 12),      # no name: the entry alone
    ], columns=["employer", "person", "person_key", "year", "months"])
    out = love_post_subsidies(rows, 2000)
    assert out["counted_months"].tolist() == [12, 12, 12, 0, 12, 12, 12, 0, 6, 12]
    assert out["amount"].tolist() == [m * 2000 for m in out["counted_months"]]
    capped = out["reason"].iloc[3]
    assert "36" in capped and capped != out["reason"].iloc[1]
    assert out["reason"].iloc[7] == capped
    assert out.groupby("person_key")["counted_months"].sum().tolist() == [36]


def test_events_outside_the_policy_period_are_not_paid():
    """以上政策执行时间为 2018-01-01 至 2020-12-31 (三, last paragraph) covers every measure of 三:
    a fair, a base's year or a love post's year outside it pays nothing, and says why."""
    out = recruitment_fair_subsidies(fairs([
        ("柯桥区", "2017-12-31", "金川县", "甲公司"),
        ("柯桥区", "2018-01-01", "金川县", "甲公司"),
        ("柯桥区", "2020-12-31", "金川县", "甲公司"),
        ("柯桥区", "2021-01-01", "金川县", "甲公司"),
    ]))
    assert out["amount"].tolist() == [0, 3000, 3000, 0]
    assert out["reason"].iloc[0] == out["reason"].iloc[3] != out["reason"].iloc[1]
    assert "2018年1月1日" in out["reason"].iloc[0] and "2020年12月31日" in out["reason"].iloc[0]
    b = base_awards(pd.DataFrame([("甲基地", "national", 2021, 40), ("甲基地", "national", 2020, 40)],
                                 columns=["base", "level", "year", "hires"]))
    assert b["amount"].tolist() == [0, 100000]
    assert b["reason"].iloc[0] == out["reason"].iloc[0]
    posts_ = pd.DataFrame([("甲", "张三", 2017, 12), ("甲", "张三", 2021, 12), ("甲", "张三", 2020, 12)],
                          columns=["employer", "person", "year", "months"])
    lp = love_post_subsidies(posts_, 1000)
    assert lp["counted_months"].tolist() == [0, 0, 12]
    assert lp["reason"].iloc[0] == out["reason"].iloc[0]


def test_policy_parameters_have_only_known_keys():
    """A label with a comma in a YAML flow mapping splits into a stray key; the loader refuses it,
    and the two local-standard labels read whole."""
    from core.reference import _flatten_params

    with pytest.raises(ValueError, match="本地标准"):
        _flatten_params("", {"x": {"value": None, "clause": "三(三)", "label": "月标准 (按政策", "本地标准)": None}},
                        P.start, P.end, {})
    assert P.param("employer_social_insurance.monthly").label.endswith("本地标准）")
    assert P.param("love_post.monthly").label.endswith("本地标准）")
