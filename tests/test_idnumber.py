"""GB 11643 ID checks (core/idnumber.py): RULES.md "Identity numbers" and FACTS.md."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import i18n, idnumber, reference
from core.idnumber import (
    BAD_BIRTH_DATE, BAD_CHECK, BAD_FORMAT, BAD_REGION, BLANK, ERROR_KEYS, FIFTEEN_DIGITS,
    FUTURE_BIRTH_DATE, LOST_DIGITS, OK, SCIENTIFIC, check_character, check_ids, upgrade_15,
)

AS_OF = dt.date(2021, 12, 31)


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


def errors(values, as_of=AS_OF, dtype=object) -> list[int]:
    return check_ids(pd.Series(values, dtype=dtype), as_of).error.tolist()


# --- FACTS.md worked examples -----------------------------------------------------------------

def test_facts_examples_check_characters():
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"


def test_facts_examples_are_valid():
    res = check_ids(pd.Series(["11010519491231002X", "440524188001010014"]), AS_OF)
    assert res.error.tolist() == [OK, OK]
    assert res.province.tolist() == ["11", "44"]
    assert res.region.tolist() == ["110105", "440524"]
    assert res.birth_date.tolist() == [pd.Timestamp("1949-12-31"), pd.Timestamp("1880-01-01")]
    assert res.birth_date.dtype == "datetime64[ns]"


def test_check_character_rejects_wrong_input():
    for bad in ("1101051949123100", "110105194912310021", "1101051949123100A"):
        with pytest.raises(ValueError):
            check_character(bad)


def test_upgrade_15_inserts_century_and_check():
    assert upgrade_15("110105491231002") == "11010519491231002X"
    assert upgrade_15("440524800101001") == "440524198001010019"[:17] + check_character("44052419800101001")
    with pytest.raises(ValueError):
        upgrade_15("11010549123100")


# --- normalisation ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "typed",
    [
        "11010519491231002x",                        # lower-case x
        " 11010519491231002X ",                      # stray spaces
        "110105 19491231 002X",                      # spaces inside
        "\u300011010519491231002X\xa0",              # ideographic and non-breaking spaces
        "１１０１０５１９４９１２３１００２Ｘ",            # full-width digits and letter
        "１１０１０５１９４９１２３１００２ｘ",
    ],
)
def test_normalised_forms_are_valid(typed):
    res = check_ids(pd.Series([typed]), AS_OF)
    assert res.error.tolist() == [OK]
    assert res.normalized.tolist() == ["11010519491231002X"]


def test_plain_and_normalised_rows_keep_their_order_and_index():
    values = ["440524188001010014", " 11010519491231002x", None, "440524188001010014 ", "abc"]
    s = pd.Series(values, index=[10, 11, 12, 13, 14], dtype=object)
    res = check_ids(s, AS_OF)
    assert res.error.tolist() == [OK, OK, BLANK, OK, BAD_FORMAT]
    assert list(res.normalized.index) == [10, 11, 12, 13, 14]
    assert res.normalized.iloc[:4].tolist() == ["440524188001010014", "11010519491231002X", pd.NA, "440524188001010014"]
    assert list(res.province.index) == [10, 11, 12, 13, 14]
    assert res.province.iloc[:2].tolist() == ["44", "11"]


@pytest.mark.parametrize("dtype", [object, "string", "str"])
def test_accepts_every_text_dtype(dtype):
    s = pd.Series(["11010519491231002X", None, "11010519491231002x", "1101051949123100"], dtype=dtype)
    res = check_ids(s, AS_OF)
    assert res.error.tolist() == [OK, BLANK, OK, BAD_FORMAT]
    assert res.normalized.isna().tolist() == [False, True, False, False]


def test_empty_column():
    res = check_ids(pd.Series([], dtype=object), AS_OF)
    assert len(res.error) == 0 and len(res.normalized) == 0


# --- every error code ---------------------------------------------------------------------------

def test_blank():
    assert errors(["", None, "   ", "\u3000", np.nan]) == [BLANK] * 5
    res = check_ids(pd.Series(["", None]), AS_OF)
    assert res.normalized.isna().all() and res.province.isna().all() and res.birth_date.isna().all()


def test_fifteen_digits():
    assert errors(["110105491231002", "４４０５２４８００１０１００１"]) == [FIFTEEN_DIGITS, FIFTEEN_DIGITS]


@pytest.mark.parametrize("typed", ["5.13226E+17", "5.13226e+17", "5.13226E17", "5E+17", "４.４０５２４Ｅ＋１７",
                                   # scientific notation as long as the ID itself or longer
                                   "5.13226199001011E+17", "5.1322619900101E+17", " 5.13226199001011E+17 "])
def test_scientific_form_from_excel(typed):
    assert errors([typed]) == [SCIENTIFIC]


def test_number_cell_formatted_0_lost_its_last_digits():
    # Excel keeps 15 significant digits: 513226199001011237 becomes 513226199001011000
    lost = "513226199001011000"
    assert check_character(lost[:17]) != "0"
    assert errors([lost, " ５１３２２６１９９００１０１１０００ "]) == [LOST_DIGITS, LOST_DIGITS]
    # a real number that happens to end in 000 (its check character is right) is valid
    first17 = next(f for d in range(1, 29) for k in range(10)
                   if check_character(f := f"513226199001{d:02d}{k}00") == "0")
    assert errors([first17 + "0"]) == [OK]
    # and a wrong check character not ending in 000 is still a wrong check character
    assert errors(["513226199001011001"]) == [BAD_CHECK]


@pytest.mark.parametrize(
    "typed",
    ["1101051949123100", "1101051949123100211", "11010519491231002Y", "1101051949X231002X",
     "身份证号11010519491231002X", "合计", "11010519491231002-", "110105-19491231-002X"],
)
def test_bad_format(typed):
    assert errors([typed]) == [BAD_FORMAT]


def test_bad_region():
    known = set(reference.provinces()["code"])
    unknown = next(f"{p:02d}" for p in range(100) if f"{p:02d}" not in known)
    first17 = unknown + "010519491231002"
    res = check_ids(pd.Series([with_check(first17), with_check("00" + first17[2:])]), AS_OF)
    assert res.error.tolist() == [BAD_REGION, BAD_REGION]
    assert res.province.isna().all()


@pytest.mark.parametrize("birth", ["19490230", "19491301", "19490001", "19490100", "19000229", "20210431", "17991231"])
def test_bad_birth_date(birth):
    assert errors([with_check("110105" + birth + "002")]) == [BAD_BIRTH_DATE]


def test_leap_days():
    assert errors([with_check("11010520000229002"), with_check("11010519960229002")]) == [OK, OK]


def test_future_birth_date():
    as_of = dt.date(2020, 6, 30)
    on_day = with_check("110105" + "20200630" + "002")
    after = with_check("110105" + "20200701" + "002")
    assert errors([on_day, after], as_of=as_of) == [OK, FUTURE_BIRTH_DATE]
    assert check_ids(pd.Series([after]), as_of).birth_date.isna().all()


def test_bad_check():
    good = "11010519491231002X"
    bad = [good[:17] + c for c in "0123456789" if c != "X"]
    assert errors(bad) == [BAD_CHECK] * len(bad)
    res = check_ids(pd.Series(bad[:1]), AS_OF)
    assert res.province.tolist() == ["11"] and res.region.tolist() == ["110105"]


def test_first_applicable_error_wins():
    # unknown province and wrong check character: the province is reported
    known = set(reference.provinces()["code"])
    unknown = next(f"{p:02d}" for p in range(100) if f"{p:02d}" not in known)
    first17 = unknown + "010519491231002"
    wrong = first17 + ("0" if check_character(first17) != "0" else "1")
    assert errors([wrong]) == [BAD_REGION]
    # impossible birth date and wrong check: the date is reported
    first17 = "11010519490230002"
    wrong = first17 + ("0" if check_character(first17) != "0" else "1")
    assert errors([wrong]) == [BAD_BIRTH_DATE]


def test_every_failing_check_is_flagged():
    # ROSTER.md: every reason found. Province 99 is unknown, 1990-02-30 is no date, and the check
    # character is wrong: three flags; the error code is still the first of them.
    typed = "991226199002301234"
    assert check_character(typed[:17]) != typed[-1]
    res = check_ids(pd.Series([typed, "11010519491231002X", None, "abc"]), AS_OF)
    assert res.flags.tolist() == [
        (1 << BAD_REGION) | (1 << BAD_BIRTH_DATE) | (1 << BAD_CHECK), 0, 1 << BLANK, 1 << BAD_FORMAT]
    assert [idnumber.failing(res.flags, c).tolist() for c in (BAD_REGION, BAD_BIRTH_DATE, BAD_CHECK)] == [
        [True, False, False, False]] * 3
    assert res.error.tolist() == [BAD_REGION, OK, BLANK, BAD_FORMAT]
    # a future birth date and a wrong check character
    first17 = "11010520300101002"
    wrong = first17 + ("0" if check_character(first17) != "0" else "1")
    flags = check_ids(pd.Series([wrong]), AS_OF).flags.tolist()
    assert flags == [(1 << FUTURE_BIRTH_DATE) | (1 << BAD_CHECK)]


def test_error_codes_are_int8_and_distinct():
    codes = [OK, BLANK, FIFTEEN_DIGITS, SCIENTIFIC, BAD_FORMAT, BAD_REGION, BAD_BIRTH_DATE, FUTURE_BIRTH_DATE, BAD_CHECK,
             LOST_DIGITS]
    assert len(set(codes)) == 10 == len(ERROR_KEYS)
    assert check_ids(pd.Series(["11010519491231002X"]), AS_OF).error.dtype == np.int8


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_error_code_has_a_message(lang):
    for code, key in ERROR_KEYS.items():
        assert key.startswith("values.")
        assert i18n.has(key, lang), key
        assert idnumber.error_message(code, lang)
    assert "5.13226E+17" in i18n.t(ERROR_KEYS[SCIENTIFIC])
    assert "000" in i18n.t(ERROR_KEYS[LOST_DIGITS], lang) and "Excel" in i18n.t(ERROR_KEYS[LOST_DIGITS], lang)
    assert "18" in i18n.t(ERROR_KEYS[FIFTEEN_DIGITS])
    # the birth date is checked against the date of the check, which the text names
    future = idnumber.error_message(FUTURE_BIRTH_DATE, lang, as_of=dt.date(2020, 6, 30))
    assert "2020-06-30" in future and "{" not in future


# --- properties ---------------------------------------------------------------------------------

_PROVINCES = sorted(reference.provinces()["code"])


@settings(max_examples=200, deadline=None)
@given(
    province=st.sampled_from(_PROVINCES),
    rest=st.integers(0, 9999),
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=AS_OF),
    seq=st.integers(0, 999),
)
def test_any_well_formed_number_is_valid_and_any_other_check_is_not(province, rest, birth, seq):
    first17 = f"{province}{rest:04d}{birth:%Y%m%d}{seq:03d}"
    good = with_check(first17)
    others = [first17 + c for c in "0123456789X" if c != good[-1]]
    res = check_ids(pd.Series([good, good.lower(), *others]), AS_OF)
    # a wrong check character is reported as such, except on ...000: what Excel leaves of a number
    wrong = [LOST_DIGITS if o.endswith("000") else BAD_CHECK for o in others]
    assert res.error.tolist() == [OK, OK] + wrong
    assert res.flags.tolist() == [0, 0] + [1 << code for code in wrong]
    assert res.birth_date.iloc[0] == pd.Timestamp(birth)
    assert res.province.iloc[0] == province


@settings(max_examples=100, deadline=None)
@given(birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)), seq=st.integers(0, 999))
def test_upgraded_15_digit_numbers_are_valid(birth, seq):
    id15 = f"513226{birth:%y%m%d}{seq:03d}"
    assert errors([id15]) == [FIFTEEN_DIGITS]
    id18 = upgrade_15(id15)
    res = check_ids(pd.Series([id18]), AS_OF)
    assert res.error.tolist() == [OK]
    assert res.birth_date.iloc[0] == pd.Timestamp(birth)
