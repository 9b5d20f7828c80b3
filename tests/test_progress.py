"""Progress against the hiring targets (core.progress): the report, the monthly hires and the amounts
by district agree with each other and with the roster's summary."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core import reference
from core.engine import evaluate_file
from core.progress import amounts_by_district, counted_people, monthly_new_hires, progress, targets_for
from core.items import ITEMS
from core.synthetic import synthetic_roster
from tests.rule_cases import make_id
from tests.test_validate import AS_OF, person, roster

DISTRICTS = list(reference.districts()["name"])
NOTICE_2018 = {"total": 1784, "paired_four": 415, "other_central_western": 1369, "sichuan_helped": 346}


@pytest.fixture(scope="module")
def small():
    same = make_id("520102", 2)
    rows = [
        person(1, home_county="金川县", first_employment_date="2018-03-05", self_rented_months="4"),
        person(2, region="520102", home_province="贵州", id_number=same, first_employment_date="2018-03-20", work_district="越城区"),
        person(3, region="520102", home_province="贵州", id_number=same, first_employment_date="2018-07-01"),
        person(4, region="410102", home_province="河南", first_employment_date="2018-07-15", work_district="诸暨市"),
        person(5, region="330102", home_province="浙江", first_employment_date="2018-07-15"),
        person(6, registered_poor="否", first_employment_date="2018-08-01"),
        person(7, work_district="杭州市", first_employment_date="2018-08-01"),
        person(8, first_employment_date="2017-06-01", social_insurance_months="9"),
        person(9, region="513229", work_district="嵊州市", first_employment_date="2018-12-31", continuous_months="12"),
    ]
    return evaluate_file(roster(rows), "r.csv", as_of=AS_OF)


def test_report_counts_valid_rows_each_person_once_by_year(small):
    rep = progress(small.frame, 2018)
    assert rep["city"] == {"total": 4, "paired_four": 3, "other_central_western": 1, "sichuan_helped": 2}
    assert rep["by_district"]["越城区"]["paired_four"] == 1  # the first row of the repeated person
    assert rep["by_district"]["嵊州市"]["sichuan_helped"] == 1  # old 马尔康 code 513229, county blank
    assert progress(small.frame, 2017)["city"] == {"total": 1, "paired_four": 1, "other_central_western": 0, "sichuan_helped": 1}


def test_a_person_in_two_uploads_counts_once_in_the_year_of_the_earliest_date():
    """Stored uploads are evaluated one by one, so the same ID number can come back in a later
    file with another 首次来绍就业日期: the person counts once (RULES.md), in the earliest year,
    whichever upload came first."""
    same = make_id("513226", 5)
    later = evaluate_file(roster([person(1, id_number=same, first_employment_date="2019-02-01", work_district="柯桥区")]),
                          "b.csv", as_of=AS_OF).frame
    earlier = evaluate_file(roster([person(1, id_number=same, first_employment_date="2018-05-01", work_district="越城区")]),
                            "a.csv", as_of=AS_OF).frame
    stored = pd.concat([later, earlier], ignore_index=True)
    assert stored["valid"].all()
    assert progress(stored, 2018)["city"]["total"] == 1
    assert progress(stored, 2018)["by_district"]["越城区"]["total"] == 1
    assert progress(stored, 2019)["city"]["total"] == 0
    assert int(monthly_new_hires(stored, 2019)["count"].sum()) == 0
    assert len(counted_people(stored)) == 1


def test_report_districts_add_up_to_the_city(small):
    rep = progress(small.frame, 2018)
    assert list(rep["by_district"]) == DISTRICTS
    for key in rep["city"]:
        assert sum(d[key] for d in rep["by_district"].values()) == rep["city"][key]
    for d in rep["by_district"].values():
        assert d["total"] == d["paired_four"] + d["other_central_western"]
        assert d["sichuan_helped"] <= d["paired_four"]


def test_monthly_new_hires_agree_with_the_report(small):
    m = monthly_new_hires(small.frame, 2018)
    rep = progress(small.frame, 2018)
    assert int(m["count"].sum()) == rep["city"]["total"]
    assert sorted(zip(m["month"], m["district"], m["count"])) == [(3, "柯桥区", 1), (3, "越城区", 1), (7, "诸暨市", 1), (12, "嵊州市", 1)]
    for name in DISTRICTS:
        assert int(m.loc[m["district"] == name, "count"].sum()) == rep["by_district"][name]["total"]
    for cat in ("paired_four", "other_central_western"):
        assert int(m.loc[m["category"] == cat, "count"].sum()) == rep["city"][cat]


def test_amounts_by_district_sum_to_the_summary(small):
    a = amounts_by_district(small.frame)
    assert set(a["district"]) <= set(DISTRICTS)
    for item in ITEMS:
        assert int(a.loc[a["item"] == item, "amount"].sum()) == small.summary["amounts"][item], item
    kq = a[(a["district"] == "柯桥区") & (a["item"] == "rent")]["amount"].sum()
    assert kq == 4 * reference.policy()["rent.monthly"]


@pytest.mark.parametrize("seed", [1, 2])
def test_on_a_synthetic_roster_every_view_agrees(seed):
    """A few hundred generated rows with errors: the report, the monthly hires and the amounts agree."""
    df = synthetic_roster(300, seed=seed, year=2018, error_rate=0.1)
    data = df.to_csv(index=False).encode("utf-8")
    res = evaluate_file(data, "s.csv", as_of=dt.date(2021, 6, 30))
    f = res.frame
    rep = progress(f, 2018)
    people = counted_people(f, 2018)
    assert people["id_number"].is_unique
    assert bool(people["valid"].all())
    assert set(people["category"].astype(str)) <= {"paired_four", "other_central_western"}
    assert 0 < rep["city"]["total"] == len(people)
    assert res.summary["errors"] > 0
    assert int(monthly_new_hires(f, 2018)["count"].sum()) == rep["city"]["total"]
    a = amounts_by_district(f)
    for item in ITEMS:
        assert int(a.loc[a["item"] == item, "amount"].sum()) == res.summary["amounts"][item]
    # a person counted is valid and 建档立卡 from one of the 22 provinces, in that year
    valid = f[f["valid"]]
    expected = valid[(valid["registered_poor"] == True) & (valid["year"] == 2018)]  # noqa: E712
    expected = expected[expected["category"].isin(["paired_four", "other_central_western"])]
    assert rep["city"]["total"] == expected["id_number"].nunique()


def test_targets():
    assert targets_for(2018) == NOTICE_2018
    assert targets_for(2019) == {k: None for k in NOTICE_2018}
    stored = {"total": 2000, "paired_four": 500, "other_central_western": 1500, "sichuan_helped": 400}
    assert targets_for(2019, stored) == stored
    assert progress(pd.DataFrame(columns=["valid", "category", "year", "id_number", "work_district", "sichuan_helped"]), 2019, stored)["targets"] == stored
