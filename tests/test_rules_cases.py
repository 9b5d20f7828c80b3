"""Each clause at its boundaries (tests/cases/rules.yaml), through the self-check and the roster."""
from __future__ import annotations

import datetime as dt

import pytest

from core.engine import evaluate_file
from core.person import Person, estimate
from core.validate import split
from tests import rule_cases

DEFAULTS, AS_OF, CASES = rule_cases.load()
IDS = [c["name"] for c in CASES]


def _as_of(case) -> dt.date:
    return case.get("as_of", AS_OF)


@pytest.fixture(scope="module")
def roster_results():
    """All cases in one roster per day of the check, evaluated once: {as_of: (result, {case index: row})}."""
    out = {}
    for as_of in sorted({_as_of(c) for c in CASES}):
        index = [i for i, c in enumerate(CASES) if _as_of(c) == as_of]
        rows = [rule_cases.roster_row(rule_cases.person_fields(DEFAULTS, CASES[i], seq=i), CASES[i].get("roster"))
                for i in index]
        result = evaluate_file(rule_cases.roster_csv(rows), "cases.csv", as_of=as_of)
        out[as_of] = (result, {i: pos for pos, i in enumerate(index)})
    return out


@pytest.mark.parametrize("case", [c for c in CASES if not c.get("roster_only")],
                         ids=[c["name"] for c in CASES if not c.get("roster_only")])
def test_self_check(case):
    est = estimate(Person(**rule_cases.person_fields(DEFAULTS, case)), as_of=_as_of(case))
    for item, want in case.get("expect", {}).items():
        if item == "covered":
            assert est.covered == want
            continue
        status, amount = want
        got = est.item(item)
        assert got.status == status, (got.reasons, got.missing, got.errors)
        assert (got.amount or 0) == amount
    for item, want in case.get("payable", {}).items():
        assert (est.item(item).payable or 0) == want
    if "category" in case:
        assert est.category == case["category"]
    if "sichuan_helped" in case:
        assert est.sichuan_helped is case["sichuan_helped"]
    if "total_to_worker" in case:
        assert est.total_to_worker == case["total_to_worker"]
    if "total_payable_to_worker" in case:
        assert est.total_payable_to_worker == case["total_payable_to_worker"]
    for text in case.get("errors", []):     # the item's explanation (the roster's words) names what is wrong
        said = [i.roster_text for i in est.items if i.errors]
        assert any(text in e for e in said), said


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_roster(roster_results, index):
    case = CASES[index]
    result, positions = roster_results[_as_of(case)]
    row = result.frame.iloc[positions[index]]
    assert row["row"] == positions[index] + 2
    assert bool(row["valid"]) is case.get("valid", True), row["errors"]
    for item, want in case.get("expect", {}).items():
        if item == "covered":
            assert row["covered"] == want
            continue
        status, amount = want
        assert row[f"{item}_status"] == status, (row[f"{item}_reason"], row["errors"])
        assert row[item] == amount
    for item, want in case.get("payable", {}).items():
        assert row[f"{item}_payable"] == want
    for item, want in case.get("months", {}).items():
        column = "rent_counted_months" if item == "rent" else f"{item}_months"
        assert row[column] == want
    if "category" in case:
        assert row["category"] == case["category"]
    if "sichuan_helped" in case:
        assert bool(row["sichuan_helped"]) is case["sichuan_helped"]
    if "total_to_worker" in case:
        assert row["total_to_worker"] == case["total_to_worker"]
    if "total_payable_to_worker" in case:
        assert row["total_payable_to_worker"] == case["total_payable_to_worker"]
    for text in case.get("errors", []):
        assert any(text in e for e in split(row["errors"])), row["errors"]
    item_error = any(v[0] == "error" for k, v in case.get("expect", {}).items() if k != "covered")
    if case.get("valid", True) and not item_error:
        assert row["errors"] == "", row["errors"]     # no error without an item in error
    if item_error:
        assert row["errors"] != ""                     # an item in error says why in the row's errors
    for text in case.get("warnings", []):
        assert any(text in w for w in split(row["warnings"])), row["warnings"]
    if case.get("no_warnings"):
        assert row["warnings"] == ""
    assert bool(row["claim_closed"]) is (_as_of(case) > dt.date(2021, 12, 31))
