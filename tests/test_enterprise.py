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
    paired_provinces,
    province_from_venue,
    recruitment_fair_subsidies,
)
from core.i18n import join_enum, t

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


def test_the_venue_names_a_paired_county():
    """A bare short name inside another place's name is not that county (甘肃 金川区, 小金山)."""
    assert paired_areas() == ("马边彝族自治县", "金川县", "小金县", "马尔康市")
    venues = pd.Series(["四川省阿坝州金川县", "马尔康", "小金县 县城广场", "马边彝族自治县", "杭州市西湖区",
                        "绍兴市柯桥区", "", None, "阿坝藏族羌族自治州",
                        "甘肃省金昌市金川区人才市场", "小金山公园", "马边县", "阿坝州马尔康市体育馆"])
    assert in_paired_area(venues).tolist() == [True, True, True, True, False, False, False, False, False,
                                               False, False, True, True]


def placed(rows):
    return pd.DataFrame(rows, columns=["district", "date", "province", "venue", "enterprise"])


def test_a_fair_anywhere_in_the_four_paired_provinces_counts():
    """三(五) 对口帮扶地区, read as the notice reads it in 三(一): the four provinces. A fair in any
    of them pays each enterprise and meets the district's one fair a year, wherever in the
    province; one elsewhere does neither, and says in which province it was."""
    assert paired_provinces() == ("22", "42", "51", "52")
    f = placed([
        ("柯桥区", "2019-05-01", "贵州", "黔东南州凯里市", "甲公司"),
        ("越城区", "2019-06-01", "湖北省", "恩施州", "乙公司"),
        ("上虞区", "2019-06-02", "22", "延边州延吉市", "丙公司"),
        ("诸暨市", "2019-06-03", "四川", "成都市人才市场", "丁公司"),     # Sichuan, not a helped county
        ("嵊州市", "2019-06-04", "甘肃", "金昌市金川区", "戊公司"),
        ("新昌县", "2019-06-05", "浙江", "小金县", "己公司"),           # the province decides, not the place
    ])
    out = recruitment_fair_subsidies(f)
    assert out["amount"].tolist() == [3000, 3000, 3000, 3000, 0, 0]
    assert out["in_paired_province"].tolist() == [True] * 4 + [False] * 2
    assert out["province"].tolist() == ["52", "42", "22", "51", "62", "33"]
    assert out["province_name"].tolist() == ["贵州", "湖北", "吉林", "四川", "甘肃", "浙江"]
    assert "甘肃" in out["reason"].iloc[4] and all(n in out["reason"].iloc[4] for n in ("四川", "贵州", "湖北", "吉林"))
    assert not out["province_derived"].any()
    assert districts_without_fair(f, 2019) == [d for d in DISTRICTS if d in ("嵊州市", "新昌县")]


def test_whether_a_fair_was_in_the_districts_own_paired_county_is_shown_not_required():
    f = placed([
        ("柯桥区", "2019-05-01", "四川", "阿坝州金川县", "甲公司"),      # 柯桥区 → 金川县: its own
        ("越城区", "2019-05-02", "四川", "金川县", "乙公司"),            # 越城区 → 马边: another's county
        ("上虞区", "2019-05-03", "贵州", "小金县", "丙公司"),            # not Sichuan: not the county
        ("嵊州市", "2019-05-04", "四川", "马尔康", "丁公司"),
    ])
    out = recruitment_fair_subsidies(f)
    assert out["own_paired_county"].tolist() == [True, False, False, True]
    assert out["amount"].tolist() == [3000] * 4
    t_ = fairs_per_district(f, 2019).set_index("district")
    assert t_.loc["柯桥区", ["fairs", "own_county"]].tolist() == [1, 1]
    assert t_.loc["越城区", ["fairs", "own_county"]].tolist() == [1, 0]


def test_a_fair_recorded_with_a_place_only_gets_its_province_from_the_place():
    """Fairs stored before the province had its own field: a place that names a paired county or
    starts with a province's name gives the province (said in the reason); otherwise the
    province is unknown, nothing is paid, and the reason asks the officer to record it."""
    f = fairs([
        ("柯桥区", "2019-05-01", "金川县", "甲公司"),
        ("越城区", "2019-06-01", "贵州省黔东南州", "乙公司"),
        ("上虞区", "2019-06-02", "吉林延吉", "丙公司"),
        ("诸暨市", "2019-06-03", "人才市场", "丁公司"),
        ("嵊州市", "2019-06-04", "甘肃省金昌市金川区", "戊公司"),
        ("新昌县", "2019-06-05", "杭州市西湖区", "己公司"),
    ])
    out = recruitment_fair_subsidies(f)
    assert out["province"].tolist()[:3] == ["51", "52", "22"] and out["province"].iloc[4] == "62"
    assert pd.isna(out["province"].iloc[3]) and pd.isna(out["province"].iloc[5])
    assert out["amount"].tolist() == [3000, 3000, 3000, 0, 0, 0]
    derived = t("enterprise.fair_province_derived")
    assert out["province_derived"].tolist() == [True, True, True, False, True, False]
    assert derived in out["reason"].iloc[0]
    unknown = t("enterprise.fair_province_unknown", provinces=join_enum(["吉林", "湖北", "四川", "贵州"]))
    assert out["reason"].iloc[3] == out["reason"].iloc[5] == unknown
    assert districts_without_fair(f, 2019) == [d for d in DISTRICTS if d in ("诸暨市", "嵊州市", "新昌县")]
    # a blank province cell is "not recorded"; a recorded one is never overridden by the place
    g = placed([("柯桥区", "2019-05-01", " ", "金川县", "甲公司"), ("柯桥区", "2019-05-02", "湖北", "金川县", "乙公司")])
    assert recruitment_fair_subsidies(g)["province"].tolist() == ["51", "42"]
    assert province_from_venue(pd.Series(["浙江西湖区", "江西南昌", None])).tolist()[:2] == ["33", "36"]


def test_the_condition_the_software_cannot_check_is_listed_next_to_each_fair():
    out = recruitment_fair_subsidies(placed([("柯桥区", "2019-05-01", "四川", "金川县", "甲公司"),
                                             ("柯桥区", "2019-05-01", "甘肃", "兰州", "乙公司")]))
    text = t("enterprise.fair_to_confirm")
    assert "薪酬待遇好" in text and "用工规范" in text
    assert out["to_confirm"].tolist() == [text, text]
    assert recruitment_fair_subsidies(placed([("柯桥区", "2019-05-01", "四川", "金川县", "甲公司")]), "en")[
        "to_confirm"].iloc[0] == t("enterprise.fair_to_confirm", "en") != text


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


def test_base_award_each_level_once_national_over_provincial_in_the_same_year():
    """三(六), RULES.md: each level at most once per base over the policy window; in a year the base
    qualifies at both levels, the national award only; a provincial award in an earlier year does
    not stop a later national one (nor a national one a later provincial one)."""
    out = base_awards(bases([
        ("甲基地", "provincial", 2018, 12),   # provincial, first: paid
        ("甲基地", "national", 2019, 20),     # national later: paid as well
        ("甲基地", "provincial", 2019, 20),   # same year as a national qualification: national only
        ("甲基地", "provincial", 2020, 15),   # provincial already paid in 2018
        ("乙基地", "national", 2019, 25),     # both lists, same year
        ("乙基地", "provincial", 2019, 25),
        ("乙基地", "provincial", 2020, 11),   # a later year: the provincial award not yet used
        ("丙基地", "national", 2018, 21),     # national first
        ("丙基地", "provincial", 2019, 10),   # a later provincial award: each level once
        ("丙基地", "national", 2020, 40),     # national already paid
        ("丁基地", "national", 2019, 19),     # too few for national …
        ("丁基地", "provincial", 2019, 19),   # … enough for provincial: paid
    ]))
    assert out["amount"].tolist() == [50000, 100000, 0, 0, 100000, 0, 50000, 100000, 50000, 0, 0, 50000]
    assert out["reason"].iloc[2] == out["reason"].iloc[5] == t("enterprise.base_national_same_year")
    assert out["reason"].iloc[3] == t("enterprise.base_already", year=2018, level=t("enterprise.base_level.provincial"))
    assert out["reason"].iloc[9] == t("enterprise.base_already", year=2018, level=t("enterprise.base_level.national"))
    assert out["reason"].iloc[10] == t("enterprise.base_too_few", need=20)


def test_base_award_years_outside_the_window_and_provincial_counts_poor_workers():
    out = base_awards(bases([
        ("甲基地", "national", 2017, 30), ("甲基地", "national", 2021, 30), ("甲基地", "national", 2018, 20),
        ("乙基地", "provincial", 2021, 30), ("乙基地", "provincial", 2020, 9),
    ]))
    assert out["amount"].tolist() == [0, 0, 100000, 0, 0]
    assert out["reason"].iloc[0] == out["reason"].iloc[1] == out["reason"].iloc[3]
    assert "贫困人员" in out["reason"].iloc[4] and "建档立卡" not in out["reason"].iloc[4]
    # a 2021 national qualification does not turn a provincial 2021 record into "national only"
    both = base_awards(bases([("丙基地", "national", 2021, 30), ("丙基地", "provincial", 2021, 30)]))
    assert both["amount"].tolist() == [0, 0] and both["reason"].nunique() == 1


# --------------------------------------------------------------------------- 三(六) 爱心岗位


def posts(rows):
    return pd.DataFrame(rows, columns=["employer", "person", "months"])


def test_love_post_has_no_amount_without_a_local_standard():
    assert P["love_post.monthly"] is None  # the notice gives no figure
    out = love_post_subsidies(posts([("甲", "张三", 6), ("乙", "李四", 40)]), None)
    assert out["amount"].isna().all()
    assert out["counted_months"].tolist() == [6, 12]
    assert out["reason"].iloc[0] and out["reason"].iloc[1].startswith(out["reason"].iloc[0])


def test_love_post_entries_without_a_year_are_each_a_year_of_their_own():
    out = love_post_subsidies(posts([("甲", "张三", 12), ("甲", "张三", 12), ("甲", "张三", 12), ("甲", "张三", 12)]), None)
    assert out["counted_months"].tolist() == [12, 12, 12, 0]
    assert out["reason"].iloc[3].endswith(t("enterprise.love_post_person_cap", cap=36))


def test_love_post_entry_is_one_years_months_at_most_12():
    out = love_post_subsidies(posts([("甲", "张三", 6), ("乙", "李四", 40), ("丙", "王五", -3), ("丁", "赵六", 12)]), 1500)
    assert out["counted_months"].tolist() == [6, 12, 0, 12]
    assert out["amount"].tolist() == [9000, 18000, 0, 18000]
    assert "12" in out["reason"].iloc[1] and out["reason"].iloc[1] != out["reason"].iloc[3]


def test_love_post_months_of_one_person_at_most_12_a_year_and_36_in_all():
    """The monthly-items rule (RULES.md): months inside the policy window only, one person's
    months of one year at most 12 over all their records, and at most 36 in all. A person is the
    ID number; without one, the name at that employer; without a name, the entry alone."""
    rows = pd.DataFrame([
        # employer, person, person_key, year, months
        ("甲", "张三", "k1", 2020, 12),
        ("甲", "张三", "k1", 2018, 12),
        ("乙", "张三", "k1", 2019, 12),    # another employer, same ID number: same person
        ("丁", "张三", "k1", 2020, 6),     # a second post in 2020: that year's 12 months are used up
        ("丙", "李四", None, 2018, 12),
        ("丙", "李四", None, 2019, 12),
        ("丙", "李四", None, 2020, 8),
        ("丙", "李四", None, 2020, 6),     # 8 + 6 in one year: 4 of these count
        ("丁", "李四", None, 2020, 6),     # same name, another employer, no ID: not the same person
        ("丙", None, None, 2020, 12),      # no name: the entry alone
    ], columns=["employer", "person", "person_key", "year", "months"])
    out = love_post_subsidies(rows, 2000)
    assert out["counted_months"].tolist() == [12, 12, 12, 0, 12, 12, 8, 4, 6, 12]
    assert out["amount"].tolist() == [m * 2000 for m in out["counted_months"]]
    year_full = t("enterprise.love_post_person_year_cap", months=12)
    assert out["reason"].iloc[3].endswith(year_full) and out["reason"].iloc[7].endswith(year_full)
    assert year_full not in out["reason"].iloc[1] and year_full not in out["reason"].iloc[6]
    assert out.groupby("person_key")["counted_months"].sum().tolist() == [36]


def test_love_post_36_months_in_all_when_the_window_is_longer(monkeypatch):
    """The 36-month cap bites on its own when a policy window holds more than three years."""
    import dataclasses

    longer = dataclasses.replace(P, end=P.end.replace(year=2022))
    monkeypatch.setattr(reference, "policy", lambda *a: longer)
    rows = pd.DataFrame([("甲", "张三", y, 12) for y in (2022, 2018, 2021, 2019, 2020)],
                        columns=["employer", "person", "year", "months"])
    out = love_post_subsidies(rows, None)
    assert out["counted_months"].tolist() == [0, 12, 0, 12, 12]      # the earliest years first
    cap = t("enterprise.love_post_person_cap", cap=36)
    assert out["reason"].iloc[0].endswith(cap) and out["reason"].iloc[2].endswith(cap)
    assert cap not in out["reason"].iloc[1]


def test_love_post_person_is_the_normalised_id_number():
    """Spaces, full-width digits and a lower-case x do not make another person: one key, the
    roster's normalisation (core.idnumber.normalise)."""
    rows = pd.DataFrame([
        ("甲", "张三", "51322619900101001x", 2018, 12),
        ("乙", "张三", "513226 19900101 001X", 2019, 12),
        ("丙", "张叁", "５１３２２６１９９００１０１００１Ｘ", 2020, 12),
        ("丁", "张三", "51322619900101001X", 2020, 6),     # 2020's months of the same person used up
    ], columns=["employer", "person", "id_number", "year", "months"])
    out = love_post_subsidies(rows, None)
    assert out["counted_months"].tolist() == [12, 12, 12, 0]
    # four ways of writing one number; each alone is a year of months of its own
    assert rows["id_number"].nunique() == 4
    assert love_post_subsidies(rows.iloc[[3]], None)["counted_months"].tolist() == [6]


def test_love_post_and_base_results_do_not_depend_on_the_order_of_the_records():
    posts_ = pd.DataFrame([
        ("甲", "张三", "k1", 2020, 12), ("丁", "张三", "k1", 2020, 6), ("乙", "张三", "k1", 2020, 9),
        ("甲", "张三", "k1", 2018, 12), ("丙", "李四", None, 2020, 8), ("丙", "李四", None, 2020, 6),
        ("丙", "李四", None, 2021, 6), ("丙", "王五", None, 2019, 13),
    ], columns=["employer", "person", "person_key", "year", "months"])
    bases_ = bases([
        ("甲基地", "national", 2019, 30), ("甲基地", "provincial", 2019, 30), ("甲基地", "provincial", 2018, 12),
        ("甲基地", "national", 2020, 25), ("乙基地", "provincial", 2020, 15), ("乙基地", "provincial", 2019, 10),
        ("乙基地", "national", 2020, 20), ("丙基地", "national", 2021, 50),
    ])
    for frame, fn in ((posts_, lambda f: love_post_subsidies(f, 1000)), (bases_, base_awards)):
        first = fn(frame)
        for seed in range(6):
            shuffled = frame.sample(frac=1, random_state=seed)
            again = fn(shuffled)
            again.index = shuffled.index
            pd.testing.assert_frame_equal(again.sort_index(), first)


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
