"""Vectorized value parsers (core/normalize.py): accepted forms, rejects, blanks vs invalid."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import normalize as N
from core import reference

BLANKS = [None, "", "   ", "\u3000", "\xa0", "\t\n", np.nan]
DTYPES = [object, "string", "str"]


def parse(fn, values, dtype=object, index=None):
    return fn(pd.Series(values, dtype=dtype, index=index))


def assert_reads(fn, cases: dict, dtype=object):
    """Each key reads as its value (not blank, not invalid)."""
    res = parse(fn, list(cases), dtype)
    assert not res.invalid.any(), [k for k, bad in zip(cases, res.invalid) if bad]
    assert not res.blank.any()
    assert res.values.tolist() == list(cases.values())


def assert_invalid(fn, values):
    res = parse(fn, values)
    assert res.invalid.all(), [v for v, bad in zip(values, res.invalid) if not bad]
    assert not res.blank.any()
    assert res.values.isna().all()


def assert_blank(fn):
    res = parse(fn, BLANKS)
    assert res.blank.all() and not res.invalid.any()
    assert res.values.isna().all()


# --- clean_text ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_clean_text(dtype):
    s = pd.Series([" 张三 ", "\u3000李四\xa0", "（绍兴）ＡＢＣ１２３", "", "   ", None, "王 五", "\ufeff赵六"], dtype=dtype,
                  index=list("abcdefgh"))
    out = N.clean_text(s)
    assert list(out.index) == list("abcdefgh")
    assert out.tolist() == ["张三", "李四", "(绍兴)ABC123", pd.NA, pd.NA, pd.NA, "王 五", "赵六"]
    assert out.isna().tolist() == [False, False, False, True, True, True, False, False]


def test_clean_text_numbers_in_object_column():
    assert N.clean_text(pd.Series([12, "x", None], dtype=object)).tolist() == ["12", "x", pd.NA]


def test_normalise_county():
    out = N.normalise_county(pd.Series([" 金川县 ", "阿坝州 小金县", "ＡＢ县", "", None]))
    assert out.tolist() == ["金川县", "阿坝州小金县", "AB县", pd.NA, pd.NA]


# --- dates --------------------------------------------------------------------------------------

def test_dates_accepted_forms():
    day = pd.Timestamp("2018-03-01")
    forms = ["2018-03-01", "2018/3/1", "2018.3.1", "2018年3月1日", "20180301", "2018-03-01 00:00:00",
             "2018/03/01 0:00", "2018-3-1", "2018年03月01日", "２０１８年３月１日", " 2018-03-01 ", "2018 年 3 月 1 日",
             "2018-03-01T00:00:00", "43160", dt.date(2018, 3, 1), dt.datetime(2018, 3, 1, 8, 30),
             pd.Timestamp("2018-03-01")]
    assert_reads(N.parse_date, dict.fromkeys(forms, day))
    res = parse(N.parse_date, forms)
    assert res.values.dtype == "datetime64[ns]"
    assert (res.values == day).all()


@pytest.mark.parametrize("bad", ["2018-02-30", "2018/2/30", "2018年2月30日", "20180230", "2019-02-29",
                                 "2018-13-01", "2018-00-10", "2018-04-31", "18-3-1", "2018-03", "三月一日",
                                 "abc", "2018-03-01x", "合计"])
def test_dates_invalid(bad):
    assert_invalid(N.parse_date, [bad])


def test_dates_blank():
    assert_blank(N.parse_date)


def test_leap_day():
    assert_reads(N.parse_date, {"2020-02-29": pd.Timestamp("2020-02-29")})


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)))
def test_dates_round_trip_every_form(day):
    forms = [f"{day:%Y-%m-%d}", f"{day.year}/{day.month}/{day.day}", f"{day.year}.{day.month}.{day.day}",
             f"{day.year}年{day.month}月{day.day}日", f"{day:%Y%m%d}"]
    res = parse(N.parse_date, forms)
    assert not res.invalid.any()
    assert (res.values == pd.Timestamp(day)).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_dates_mixed_column_keeps_rows_and_index(dtype):
    res = parse(N.parse_date, ["2018-03-01", None, "2018-02-30", "2019/1/2", "2018-03-01"], dtype, index=[5, 4, 3, 2, 1])
    assert list(res.values.index) == [5, 4, 3, 2, 1]
    assert res.blank.tolist() == [False, True, False, False, False]
    assert res.invalid.tolist() == [False, False, True, False, False]
    assert res.values.iloc[3] == pd.Timestamp("2019-01-02")
    assert res.values.iloc[0] == res.values.iloc[4] == pd.Timestamp("2018-03-01")


# --- yes / no -----------------------------------------------------------------------------------

def test_yes_no_accepted():
    cases = {"是": True, "否": False, "Y": True, "N": False, "y": True, "n": False, "yes": True, "No": False,
             "YES": True, "1": True, "0": False, "TRUE": True, "false": False, "True": True, "ｙｅｓ": True,
             "Ｙ": True, "１": True, " 是 ": True, "\u3000否": False}
    assert_reads(N.parse_yes_no, cases)
    assert parse(N.parse_yes_no, ["是"]).values.dtype == "boolean"


def test_yes_no_invalid():
    assert_invalid(N.parse_yes_no, ["对", "错", "x", "是否", "2", "有", "√"])


def test_yes_no_blank():
    assert_blank(N.parse_yes_no)


# --- whole numbers ------------------------------------------------------------------------------

def test_whole_number_accepted():
    cases = {"12": 12, " 12 ": 12, "１２": 12, "12.0": 12, "12.00": 12, "0": 0, "007": 7, "1,200": 1200,
             "12个月": 12, "36月": 36, 12: 12, 12.0: 12}
    assert_reads(N.parse_whole_number, cases)
    assert parse(N.parse_whole_number, ["1"]).values.dtype == "Int64"


def test_whole_number_invalid():
    assert_invalid(N.parse_whole_number, ["12.5", "-1", "abc", "1 2", "十二", "12.0.0", "1,20", "9" * 30, 12.5])


def test_whole_number_blank():
    assert_blank(N.parse_whole_number)


# --- money --------------------------------------------------------------------------------------

def test_money_accepted():
    cases = {"1200": 1200.0, "1,200": 1200.0, "1200元": 1200.0, "１２００": 1200.0, "１，２００元": 1200.0,
             "1200.50": 1200.5, "¥1,200": 1200.0, "￥800": 800.0, "0": 0.0, "1.2万": 12000.0, "800 元": 800.0}
    assert_reads(N.parse_money, cases)
    assert parse(N.parse_money, ["1"]).values.dtype == "Float64"


def test_money_invalid():
    assert_invalid(N.parse_money, ["-100", "abc", "一千", "12,00", "1200美元", "1e5"])


def test_money_blank():
    assert_blank(N.parse_money)


# --- province -----------------------------------------------------------------------------------

def test_province_every_name_short_and_alias():
    table = reference.provinces()
    cases = {}
    for row in table.itertuples(index=False):
        cases[row.name] = row.code
        cases[row.short] = row.code
        for alias in reference.split_aliases(row.aliases):
            cases[alias] = row.code
    res = parse(N.parse_province, list(cases))
    assert not res.invalid.any()
    assert res.values.tolist() == list(cases.values())


def test_province_forms():
    cases = {"四川省": "51", "四川": "51", " 四川 ": "51", "四 川 省": "51", "内蒙古": "15", "内蒙古自治区": "15",
             "广西": "45", "广西自治区": "45", "重庆市": "50", "重庆": "50", "贵州省": "52", "吉林": "22", "湖北省": "42"}
    assert_reads(N.parse_province, cases)


def test_province_invalid_and_blank():
    assert_invalid(N.parse_province, ["四州", "火星", "川", "51", "Sichuan", "四川省成都市"])
    assert_blank(N.parse_province)


# --- district -----------------------------------------------------------------------------------

def test_district_names_and_prefixes():
    cases = {}
    for name in reference.districts()["name"]:
        for prefix in ("", "绍兴市", "绍兴", "浙江省绍兴市", "浙江绍兴"):
            cases[prefix + name] = name
    cases |= {"越城": "越城区", "诸暨": "诸暨市", " 绍兴市 柯桥区 ": "柯桥区"}
    assert_reads(N.parse_district, cases)


def test_district_old_names():
    assert_reads(N.parse_district, {"绍兴县": "柯桥区", "上虞市": "上虞区", "绍兴市绍兴县": "柯桥区", "浙江省上虞市": "上虞区"})


def test_district_invalid_and_blank():
    assert_invalid(N.parse_district, ["杭州市", "绍兴市", "绍兴", "滨江区", "萧山区", "越城区区", "合计"])
    assert_blank(N.parse_district)


# --- skill level --------------------------------------------------------------------------------

def test_skill_levels_and_aliases():
    cases = {}
    for row in reference.skill_levels().itertuples(index=False):
        cases[row.level] = row.level
        cases[row.grade] = row.level
        for alias in reference.split_aliases(row.aliases):
            cases[alias] = row.level
    cases |= {"五级（初级工）": "初级工", "四级/中级工": "中级工", "初级工证书": "初级工", "职业资格三级": "高级工", "５级": "初级工"}
    assert_reads(N.parse_skill_level, cases)


def test_skill_level_invalid_and_blank():
    assert_invalid(N.parse_skill_level, ["特级", "六级", "五级（中级工）", "电工", "0级"])
    assert_blank(N.parse_skill_level)


# --- helped Sichuan counties --------------------------------------------------------------------

def helped(county, region):
    return N.helped_sichuan_county(pd.Series(county, dtype=object), pd.Series(region, dtype=object)).tolist()


def test_helped_by_county_name_and_alias():
    table = reference.sichuan_helped_counties()
    names = list(table["name"]) + [a for v in table["aliases"] for a in reference.split_aliases(v)]
    assert helped(names, [None] * len(names)) == [True] * len(names)
    assert helped(["四川省阿坝藏族羌族自治州金川县", "阿坝州小金县", "乐山市马边彝族自治县", "四川马尔康市"], [None] * 4) == [True] * 4


def test_county_decides_over_region_when_given():
    assert helped(["泸定县", "成都市锦江区", "金川区"], ["513226", "513226", "513226"]) == [False, False, False]


def test_blank_county_decided_by_region_code_including_old_codes():
    table = reference.sichuan_helped_counties()
    codes = list(table["code"]) + [c for v in table["old_codes"] for c in reference.split_aliases(v)]
    assert "513229" in codes
    assert helped([None] * len(codes), codes) == [True] * len(codes)
    assert helped(["", None, "  "], ["513322", "110105", "510104"]) == [False, False, False]


def test_helped_is_na_when_both_blank():
    out = N.helped_sichuan_county(pd.Series([None, ""], dtype=object), pd.Series([None, pd.NA], dtype="string"))
    assert out.dtype == "boolean"
    assert out.isna().all()


def test_helped_keeps_county_index():
    county = pd.Series(["金川县", None], index=[7, 9], dtype="string")
    region = pd.Series([None, "513201"], index=[0, 1], dtype="string")
    out = N.helped_sichuan_county(county, region)
    assert list(out.index) == [7, 9] and out.tolist() == [True, True]


# --- whole columns ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_parsers_on_a_large_low_cardinality_column(dtype):
    rng = np.random.default_rng(1)
    pool = np.array(["是", "否", "Y", "", None, "maybe"], dtype=object)
    values = pool[rng.integers(0, len(pool), 10_000)]
    res = parse(N.parse_yes_no, values, dtype)
    expected_blank = np.array([v is None or v == "" for v in values])
    expected_invalid = values == "maybe"
    assert (res.blank == expected_blank).all()
    assert (res.invalid == expected_invalid).all()
    expected = pd.array([{"是": True, "Y": True, "否": False}.get(v) for v in values], dtype="boolean")
    assert res.values.reset_index(drop=True).equals(pd.Series(expected))
