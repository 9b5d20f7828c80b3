"""Several policies for real: a (fictional, test-only) successor policy file is put in force next to
the notice's, and a person who first came in its window is evaluated by its parameters, through
the roster and the self-check alike, while a person of the notice's window keeps the notice's."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core import reference
from core.engine import evaluate_file
from core.paths import DATA
from core.person import Person, estimate
from core.validate import split
from tests import rule_cases

SUCCESSOR = Path(__file__).parent / "policies"
AS_OF = dt.date(2022, 6, 30)       # after the notice's claim deadline, before the successor's


@pytest.fixture
def successor():
    reference.use_policy_dirs([DATA / "policy", SUCCESSOR])
    try:
        yield reference.policies()
    finally:
        reference.use_policy_dirs([DATA / "policy"])


def person(**over) -> dict:
    base = dict(registered_poor=True, home_province="四川", work_district="柯桥区", social_insurance_months=0,
                continuous_months=0, certificate_level="无", self_rented_months=0, organized=False, has_employer=False)
    base.update(over)
    return base


def test_both_policies_are_loaded_in_order(successor):
    assert [p.id for p in successor] == ["sx-2018-160", "test-successor"]
    assert successor[1]["stabilization.amount"] == 4000


def test_a_person_of_the_successor_window_gets_its_figures(successor):
    p = successor[1]
    came_2021 = estimate(Person(**person(first_employment_date=dt.date(2021, 3, 1), social_insurance_months=6,
                                         continuous_months=10, self_rented_months=12, employer="某公司")), as_of=AS_OF)
    assert came_2021.covered == "eligible"                          # the successor's window holds 2021
    assert came_2021.item("stabilization").amount == p["stabilization.amount"]
    assert came_2021.item("family_visit").amount == p["family_visit.amount"]
    assert came_2021.item("rent").amount == 12 * p["rent.monthly"]
    assert came_2021.item("employer_social_insurance").amount == 6 * 300     # its own standard, no admin value
    assert not came_2021.claim_closed and came_2021.total_payable_to_worker == came_2021.total_to_worker
    # five months of insurance are enough under the notice (3), not under the successor (6)
    five = estimate(Person(**person(first_employment_date=dt.date(2021, 3, 1), social_insurance_months=5)), as_of=AS_OF)
    assert five.item("stabilization").status == "not_eligible"
    assert "6" in five.item("stabilization").reasons[0]
    # 云南 is paired under the successor only
    yunnan = estimate(Person(**person(home_province="云南", first_employment_date=dt.date(2021, 3, 1),
                                      social_insurance_months=6)), as_of=AS_OF)
    assert yunnan.item("stabilization").amount == 4000


def test_a_person_of_the_notice_window_keeps_the_notice_and_its_deadline(successor):
    came_2019 = estimate(Person(**person(first_employment_date=dt.date(2019, 3, 1), social_insurance_months=5)),
                         as_of=AS_OF)
    assert came_2019.item("stabilization").amount == 3000
    assert came_2019.claim_closed and came_2019.item("stabilization").payable == 0
    yunnan = estimate(Person(**person(home_province="云南", first_employment_date=dt.date(2019, 3, 1))), as_of=AS_OF)
    assert yunnan.covered == "not_eligible"


def test_the_roster_evaluates_each_row_by_its_own_policy(successor):
    defaults = {"registered_poor": True, "home_province": "四川", "work_district": "柯桥区", "continuous_months": 0,
                "certificate_level": "无", "self_rented_months": 0}
    rows = [rule_cases.roster_row(rule_cases.person_fields(defaults, {"person": {
        "first_employment_date": d, "social_insurance_months": 6}}, seq=i)) for i, d in
        enumerate([dt.date(2019, 5, 1), dt.date(2021, 5, 1)])]
    result = evaluate_file(rule_cases.roster_csv(rows), "r.csv", as_of=AS_OF)
    f = result.frame
    assert f["stabilization"].tolist() == [3000, 4000]
    assert f["stabilization_payable"].tolist() == [0, 4000]           # each row its own claim deadline
    assert f["claim_closed"].tolist() == [True, False]
    assert result.summary["claim_deadline"] == "2024-12-31" and not result.summary["claim_closed"]
    assert all(split(e) == [] for e in f["errors"])


def test_the_notice_alone_is_back_after_the_test(successor):
    reference.use_policy_dirs([DATA / "policy"])
    assert [p.id for p in reference.policies()] == ["sx-2018-160"]
