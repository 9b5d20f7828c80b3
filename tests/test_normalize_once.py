"""The validator's one-encoding readers (``clean_text_named``, ``normalise_county_helped``) give
what the two-step readers they replace give: the cleaned column, the refused rows, and the
named / helped flag read again from the cleaned column."""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import normalize as N
from core import reference

DTYPES = [object, "string", "str"]

# placeholders as typed (case, full width, spaces), Excel errors, blanks, whitespace that only the
# inner squeeze removes (\x1c), a combining mark after a space, numbers in an object column
TEXTS = (["无", " 无 ", "ＮＯＮＥ", "None", "n/a", "N/A", "自行来绍", "　自行来绍　", "/", "—", "0",
          "#N/A", " #REF! ", "#n/a", "某某公司", "某某 公司", "Ａ公司", "a \u0301", "\x1c", " \x1c ",
          "", "   ", "\u3000", None, "泸定县", " 泸定 县 ", "四川省甘孜州泸定县", "金川区", "阿坝州小金县",
          "乐山市马边彝族自治县", "成都市锦江区", "金川县", " 金川 县 "]
         + sorted(reference.placeholder_names()))
REGIONS = ["513322", "110105", None, "513229", "", "51332x"]


def _column(values, dtype):
    return pd.Series(values, dtype=dtype, index=pd.RangeIndex(10, 10 + len(values)))


def _two_steps_named(s):
    cleaned, hit = N.clean_text_refusing(s, N.EXCEL_ERRORS)
    return cleaned, hit, cleaned.notna().to_numpy() & ~N.is_placeholder(cleaned)


def _two_steps_county(s, region):
    county, hit = N.normalise_county_refusing(s, N.EXCEL_ERRORS)
    return county, hit, N.helped_sichuan_county(county, region)


def _assert_named_same(s):
    cleaned, hit, named = N.clean_text_named(s, N.EXCEL_ERRORS)
    want_cleaned, want_hit, want_named = _two_steps_named(s)
    pd.testing.assert_series_equal(cleaned, want_cleaned)
    assert hit.tolist() == want_hit.tolist()
    assert named.dtype == bool and named.tolist() == want_named.tolist()


def _assert_county_same(s, region):
    county, hit, helped = N.normalise_county_helped(s, N.EXCEL_ERRORS, region)
    want_county, want_hit, want_helped = _two_steps_county(s, region)
    pd.testing.assert_series_equal(county, want_county)
    assert hit.tolist() == want_hit.tolist()
    pd.testing.assert_series_equal(helped, want_helped)


@pytest.mark.parametrize("dtype", DTYPES)
def test_named_is_what_the_placeholder_check_of_the_cleaned_column_says(dtype):
    s = _column(TEXTS, dtype)
    _assert_named_same(s)
    cleaned, hit, named = N.clean_text_named(s, N.EXCEL_ERRORS)
    by_text = dict(zip(TEXTS, named))
    assert not by_text["无"] and not by_text["ＮＯＮＥ"] and not by_text["　自行来绍　"] and not by_text[None]
    assert by_text["某某公司"] and by_text["Ａ公司"] and by_text["#N/A"]   # an Excel error is refused, not a placeholder
    assert dict(zip(TEXTS, hit))[" #REF! "]


def test_named_of_an_empty_and_an_all_blank_column():
    for values in ([], [None, None], ["", "  "]):
        _assert_named_same(pd.Series(values, dtype="string"))
        _assert_named_same(pd.Series(values, dtype=object))


def test_named_of_numbers_in_an_object_column():
    _assert_named_same(pd.Series([0, 12.0, "无", None, 3], dtype=object))


@pytest.mark.parametrize("dtype", DTYPES)
def test_county_and_helped_are_the_two_step_reading(dtype):
    regions = pd.Series([REGIONS[i % len(REGIONS)] for i in range(len(TEXTS))], dtype="string")
    s = _column(TEXTS, dtype)
    _assert_county_same(s, regions)
    _, _, helped = N.normalise_county_helped(s, N.EXCEL_ERRORS, regions)
    assert list(helped.index) == list(s.index)
    by_text = dict(zip(TEXTS, helped.tolist()))
    assert by_text["金川县"] is True and by_text[" 金川 县 "] is True and by_text["成都市锦江区"] is False


def test_county_blank_after_the_squeeze_is_decided_by_the_region():
    s = pd.Series(["\x1c", "\x1c", None], dtype="string")
    region = pd.Series(["513229", "110105", None], dtype="string")
    _assert_county_same(s, region)
    assert N.normalise_county_helped(s, (), region)[2].tolist() == [True, False, pd.NA]


def test_county_and_region_of_different_lengths_is_refused():
    with pytest.raises(ValueError):
        N.normalise_county_helped(pd.Series(["泸定县"], dtype="string"), (), pd.Series([None, None], dtype="string"))


ALPHABET = st.sampled_from(list("无自行来绍 　\x1c\t/—-0NnAa#!公司泸定县四川省甘孜州ＡＮ\u0301"))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(ALPHABET, max_size=6)), max_size=12),
       st.sampled_from(DTYPES))
def test_any_column_reads_the_same_both_ways(values, dtype):
    s = pd.Series(values, dtype=dtype)
    _assert_named_same(s)
    region = pd.Series([REGIONS[i % len(REGIONS)] for i in range(len(values))], dtype="string")
    _assert_county_same(s, region)
