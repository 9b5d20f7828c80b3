"""The synthetic roster (core/synthetic.py)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core import normalize as N
from core import reference
from core.idnumber import BAD_CHECK, FIFTEEN_DIGITS, OK, SCIENTIFIC, check_ids
from core.synthetic import synthetic_roster, write_synthetic_csv

H = {c.field: c.header for c in reference.columns()}
AS_OF = dt.date.today()


@pytest.fixture(scope="module")
def roster() -> pd.DataFrame:
    return synthetic_roster(5000, seed=7)


def test_headers_are_the_columns_of_columns_yaml_in_order(roster):
    assert list(roster.columns) == [c.header for c in reference.columns()]
    assert len(roster.columns) == 15
    assert len(roster) == 5000


def test_values_are_text(roster):
    for col in roster.columns:
        assert isinstance(roster[col].dtype, pd.StringDtype), col


def test_deterministic_for_a_seed():
    a = synthetic_roster(500, seed=3, error_rate=0.1)
    b = synthetic_roster(500, seed=3, error_rate=0.1)
    c = synthetic_roster(500, seed=4, error_rate=0.1)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_ids_all_valid_unique_and_match_home_province(roster):
    ids = check_ids(roster[H["id_number"]], AS_OF)
    assert (ids.error == OK).all()
    assert ids.normalized.is_unique
    assert ids.normalized.tolist() == roster[H["id_number"]].tolist()
    prov = N.parse_province(roster[H["home_province"]])
    assert not prov.invalid.any() and not prov.blank.any()
    assert (prov.values == ids.province).all()
    # born before first coming to Shaoxing, at working age
    first = N.parse_date(roster[H["first_employment_date"]]).values
    age = (first - ids.birth_date).dt.days / 365.25
    assert age.between(15, 53).all()


def test_mostly_paired_provinces_with_helped_sichuan_counties(roster):
    prov = N.parse_province(roster[H["home_province"]]).values
    groups = prov.map(reference.provinces().set_index("code")["group"])
    share = groups.value_counts(normalize=True)
    assert share["paired_four"] > 0.5
    assert share["other_central_western"] > 0.1
    assert 0 < share["not_counted"] < 0.1
    region = check_ids(roster[H["id_number"]], AS_OF).region
    for code in ("511133", "513226", "513227", "513201", "513229"):
        assert (region == code).sum() > 10, code
    helped = N.helped_sichuan_county(N.normalise_county(roster[H["home_county"]]), region)
    assert 0.1 < helped.mean() < 0.6
    # a county, when written, agrees with the ID number's helped county
    county = N.normalise_county(roster[H["home_county"]])
    by_region = N.helped_sichuan_county(pd.Series([None] * len(region), dtype="string"), region)
    written = county.notna().to_numpy()
    assert (helped[written] == by_region[written]).all()


def test_every_column_reads_without_error_when_error_rate_is_zero(roster):
    required = [c for c in reference.columns() if c.required]
    parsers = {"yesno": N.parse_yes_no, "date": N.parse_date, "district": N.parse_district,
               "int": N.parse_whole_number, "money": N.parse_money, "level": N.parse_skill_level,
               "province": N.parse_province}
    for c in reference.columns():
        if c.kind in parsers:
            res = parsers[c.kind](roster[c.header])
            assert not res.invalid.any(), c.header
            if c.required:
                assert not res.blank.any(), c.header
    for c in required:
        assert roster[c.header].notna().all(), c.header


def test_realistic_spread(roster):
    first = N.parse_date(roster[H["first_employment_date"]]).values
    pol = reference.policy()
    inside = first.between(pd.Timestamp(pol.start), pd.Timestamp(pol.end))
    assert inside.mean() > 0.8
    assert not inside.all()
    assert first.min() >= pd.Timestamp(pol.start) - pd.DateOffset(months=8)
    assert first.max() <= pd.Timestamp(pol.end) + pd.DateOffset(months=7)
    # several date forms, as officers type them
    raw = roster[H["first_employment_date"]]
    assert raw.str.contains("年").any() and raw.str.contains("/").any() and raw.str.contains("-").any()
    poor = N.parse_yes_no(roster[H["registered_poor"]]).values
    assert 0.8 < poor.mean() < 1
    districts = N.parse_district(roster[H["work_district"]]).values
    assert set(districts.unique()) == set(reference.districts()["name"])
    months = N.parse_whole_number(roster[H["social_insurance_months"]]).values
    assert months.min() >= 0 and months.max() <= 40
    levels = N.parse_skill_level(roster[H["certificate_level"]])
    assert 0.05 < (~levels.blank).mean() < 0.5
    cert_dates = N.parse_date(roster[H["certificate_date"]])
    assert ((~levels.blank) == (~cert_dates.blank)).all()
    assert roster[H["training_cost"]].notna().any()
    assert roster[H["organizer"]].notna().any() and roster[H["organizer"]].isna().any()
    assert roster[H["employer"]].notna().mean() > 0.8


def test_year_limits_first_employment():
    df = synthetic_roster(1000, seed=2, year=2019)
    first = N.parse_date(df[H["first_employment_date"]]).values
    assert (first.dt.year == 2019).all()


def test_error_rate_sprinkles_realistic_mistakes():
    df = synthetic_roster(4000, seed=5, error_rate=0.2)
    ids = check_ids(df[H["id_number"]], AS_OF)
    for code in (BAD_CHECK, FIFTEEN_DIGITS, SCIENTIFIC):
        assert (ids.error == code).any(), code
    assert ids.normalized.dropna().duplicated().any()
    assert N.parse_date(df[H["first_employment_date"]]).invalid.any()
    assert N.parse_district(df[H["work_district"]]).invalid.any()
    required_blank = sum(df[c.header].isna().sum() for c in reference.columns() if c.required)
    assert required_blank > 0
    # about the asked share of rows, not all of them
    bad = ids.error != OK
    assert 0.01 < bad.mean() < 0.2


def test_no_mistakes_without_error_rate():
    df = synthetic_roster(2000, seed=5)
    assert (check_ids(df[H["id_number"]], AS_OF).error == OK).all()


def test_write_csv_round_trip(tmp_path):
    path = write_synthetic_csv(tmp_path / "roster.csv", 300, seed=9)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df = synthetic_roster(300, seed=9)
    assert list(back.columns) == list(df.columns)
    assert back[H["id_number"]].tolist() == df[H["id_number"]].tolist()


def test_zero_rows():
    df = synthetic_roster(0)
    assert list(df.columns) == [c.header for c in reference.columns()] and len(df) == 0
