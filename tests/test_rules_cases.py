"""Each clause at its boundaries (tests/cases/rules.yaml), through the self-check and the roster."""
from __future__ import annotations


import pytest

from core.engine import evaluate_file
from core.person import Person, estimate
from tests import rule_cases

DEFAULTS, AS_OF, CASES = rule_cases.load()


@pytest.fixture(scope="module")
def roster_result():
    """All cases in one roster, evaluated once: row i+2 is case i."""
    rows = [rule_cases.roster_row(rule_cases.person_fields(DEFAULTS, c, seq=i)) for i, c in enumerate(CASES)]
    return evaluate_file(rule_cases.roster_csv(rows), "cases.csv", as_of=AS_OF)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_self_check(case):
    est = estimate(Person(**rule_cases.person_fields(DEFAULTS, case)), as_of=AS_OF)
    for item, want in case["expect"].items():
        if item == "covered":
            assert est.covered == want
            continue
        status, amount = want
        got = est.item(item)
        assert got.status == status, (got.reasons, got.missing)
        assert (got.amount or 0) == amount
    if "category" in case:
        assert est.category == case["category"]
    if "sichuan_helped" in case:
        assert est.sichuan_helped is case["sichuan_helped"]
    if "total_to_worker" in case:
        assert est.total_to_worker == case["total_to_worker"]


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c["name"] for c in CASES])
def test_roster(roster_result, index):
    case = CASES[index]
    row = roster_result.frame.iloc[index]
    assert row["row"] == index + 2
    assert row["valid"], row["errors"]
    for item, want in case["expect"].items():
        if item == "covered":
            assert row["covered"] == want
            continue
        status, amount = want
        assert row[f"{item}_status"] == status, row[f"{item}_reason"]
        assert row[item] == amount
    if "category" in case:
        assert row["category"] == case["category"]
    if "sichuan_helped" in case:
        assert bool(row["sichuan_helped"]) is case["sichuan_helped"]
    if "total_to_worker" in case:
        assert row["total_to_worker"] == case["total_to_worker"]
