"""What a person is told (core.explain through core.person.estimate and the roster): next steps,
unknown answers, the claim deadline, what the tool cannot check and how it reads the notice."""
from __future__ import annotations

import datetime as dt
import string

import pytest

from core import reference
from core.engine import evaluate_file
from core.i18n import catalog, t
from core.person import CANNOT_CHECK, READING_NOTES, Person, estimate
from core.items import ITEMS
from tests.test_validate import person as roster_person
from tests.test_validate import roster

AS_OF = dt.date(2021, 6, 30)
P = reference.policy()


def covered(**over) -> Person:
    base = dict(registered_poor=True, home_province="四川", work_district="柯桥区", first_employment_date=dt.date(2019, 1, 1),
                social_insurance_months=0, continuous_months=0, certificate_level="无", self_rented_months=0,
                organized=False, has_employer=False)
    base.update(over)
    return Person(**base)


# --------------------------------------------------------------------------- next steps


def test_two_months_of_insurance_one_more_month_for_3000():
    item = estimate(covered(social_insurance_months=2), as_of=AS_OF).item("stabilization")
    assert item.status == "not_eligible"
    assert item.next_step == "再缴纳1个月社保即可享受3000元就业稳岗补贴"


def test_eleven_months_of_work_one_more_month():
    item = estimate(covered(continuous_months=11), as_of=AS_OF).item("family_visit")
    assert item.status == "not_eligible"
    assert item.next_step.startswith("再连续工作1个月")
    assert str(P["family_visit.amount"]) in item.next_step


@pytest.mark.parametrize("months, need", [(0, 3), (1, 2)])
def test_months_still_needed(months, need):
    item = estimate(covered(social_insurance_months=months), as_of=AS_OF).item("stabilization")
    assert item.next_step == t("rules.next.stabilization", n=need, amount=P["stabilization.amount"])


@pytest.mark.parametrize(
    "over",
    [dict(registered_poor=False), dict(home_province="浙江"), dict(first_employment_date=dt.date(2017, 12, 31)),
     dict(work_district="其他")],
)
def test_no_next_step_when_not_covered(over):
    est = estimate(covered(social_insurance_months=2, continuous_months=11, **over), as_of=AS_OF)
    assert est.covered == "not_eligible"
    for item in est.items:
        assert item.next_step is None, item.code


def test_no_next_step_once_eligible():
    est = estimate(covered(social_insurance_months=3, continuous_months=12), as_of=AS_OF)
    assert est.item("stabilization").next_step is None
    assert est.item("family_visit").next_step is None


def test_no_promise_while_another_condition_is_unknown():
    """"再缴纳1个月社保即可享受" only when everything else is known to hold: an unknown answer is
    listed as missing instead."""
    est = estimate(covered(registered_poor=None, social_insurance_months=2), as_of=AS_OF)
    item = est.item("stabilization")
    assert item.status == "not_eligible" and item.next_step is None and item.missing


@pytest.mark.parametrize("organized, step", [(None, False), (False, False), (True, True)])
def test_organizer_next_step_only_when_someone_organised_the_move(organized, step):
    item = estimate(covered(social_insurance_months=1, organized=organized), as_of=AS_OF).item("organizer_service")
    need = P["organizer_service.min_social_insurance_months"] - 1
    expected = t("rules.next.organizer_service", n=need, amount=P["organizer_service.amount"]) if step else None
    assert item.next_step == expected


def test_roster_rows_get_the_same_next_step():
    res = evaluate_file(roster([roster_person(1, social_insurance_months="2", continuous_months="11"), roster_person(2)]), "r.csv", as_of=AS_OF)
    row = res.frame.iloc[0]
    assert row["stabilization_next_step"] == "再缴纳1个月社保即可享受3000元就业稳岗补贴"
    assert row["family_visit_next_step"].startswith("再连续工作1个月")


# --------------------------------------------------------------------------- unknown is not "not eligible"


def test_unknown_registered_poor_is_unknown_not_not_eligible():
    est = estimate(covered(registered_poor=None, social_insurance_months=5, continuous_months=12), as_of=AS_OF)
    assert est.covered == "unknown"
    assert est.coverage_reasons == []
    assert est.coverage_missing == [t("rules.worker.cond.registered_poor.unknown")]     # worded for the worker
    officer = estimate(covered(registered_poor=None), as_of=AS_OF, audience="officer")
    assert officer.coverage_missing == [t("rules.cond.registered_poor.unknown")]       # the roster's words
    for code in ("stabilization", "family_visit"):
        item = est.item(code)
        assert item.status == "unknown"
        assert item.reasons == []
        assert item.missing
        assert item.possible_amount == P[f"{code}.amount"]
    assert est.total_to_worker == 0


def test_unknown_months_are_unknown():
    item = estimate(covered(social_insurance_months=None), as_of=AS_OF).item("stabilization")
    assert item.status == "unknown"
    assert item.missing == [t("rules.worker.cond.si_months_enough.unknown")]
    assert item.next_step is None


def test_everything_unknown():
    est = estimate(Person(), as_of=AS_OF)
    assert est.covered == "unknown"
    assert {i.status for i in est.items} == {"unknown"}
    assert est.category is None


# --------------------------------------------------------------------------- the claim deadline


@pytest.mark.parametrize("as_of, closed", [(dt.date(2021, 12, 31), False), (dt.date(2022, 1, 1), True), (dt.date(2023, 6, 1), True)])
def test_claim_closed_after_the_deadline_amounts_still_computed(as_of, closed):
    est = estimate(covered(social_insurance_months=5, continuous_months=12), as_of=as_of)
    assert est.claim_deadline == dt.date(2021, 12, 31)
    assert est.claim_closed is closed
    assert est.item("stabilization").amount == P["stabilization.amount"]
    assert est.total_to_worker == P["stabilization.amount"] + P["family_visit.amount"]


def test_roster_summary_says_claim_closed():
    data = roster([roster_person(1)])
    assert evaluate_file(data, "r.csv", as_of=dt.date(2022, 1, 1)).summary["claim_closed"] is True
    late = evaluate_file(data, "r.csv", as_of=dt.date(2022, 1, 1))
    assert late.summary["amounts"]["stabilization"] == P["stabilization.amount"]
    assert evaluate_file(data, "r.csv", as_of=dt.date(2021, 12, 31)).summary["claim_closed"] is False


# --------------------------------------------------------------------------- what cannot be checked, how the notice is read


def test_cannot_check_and_reading_notes_are_present():
    est = estimate(covered(), as_of=AS_OF)
    assert len(est.cannot_check) == len(CANNOT_CHECK) >= 5
    assert all(x.strip() for x in est.cannot_check)
    assert len(est.notes) == len(READING_NOTES)
    joined = "".join(est.notes)
    assert "2018年1月1日" in joined and "2020年12月31日" in joined  # the window, both days
    assert "2021年12月31日" in joined  # the claim deadline
    assert str(P["max_subsidy_months"]) in joined
    assert str(P["skill_training.cap_junior"]) in joined
    assert "{" not in joined  # every placeholder filled
    english = estimate(covered(), as_of=AS_OF, lang="en").notes      # the deadline has passed: closed
    assert any("Claims under this policy closed on" in n for n in english)


@pytest.mark.parametrize("level", ["技师", "高级技师", "二级"])
def test_technician_reason_says_the_notice_lists_three_levels(level):
    item = estimate(covered(certificate_level=level, certificate_date=dt.date(2019, 5, 1)), as_of=AS_OF).item("skill_training")
    assert item.status == "not_eligible" and item.amount == 0
    [reason] = item.reasons
    assert "初级工" in reason and "中级工" in reason and "高级工" in reason and "三个等级" in reason
    assert ("高级技师" if level == "高级技师" else "技师") in reason


def test_technician_reason_in_the_roster():
    res = evaluate_file(roster([roster_person(1, certificate_level="技师", certificate_date="2019-05-01")]), "r.csv", as_of=AS_OF)
    assert "三个等级" in res.frame["skill_training_reason"].iloc[0]
    assert "三个等级" in res.frame["reason"].iloc[0]


def test_junior_without_cost_asks_for_the_cost_and_is_never_paid_the_ceiling():
    """RULES.md: 初级工 without a cost is not enough information; the most it could give is the ceiling."""
    est = estimate(covered(certificate_level="初级工", certificate_date=dt.date(2019, 5, 1)), as_of=AS_OF)
    item = est.item("skill_training")
    assert item.status == "unknown" and item.amount == 0
    cap = P["skill_training.cap_junior"]
    assert item.missing == [t("rules.worker.cond.junior_cost_given.unknown", cap=cap)]
    assert item.possible_amount == cap
    assert "skill_training" in est.pending_items
    officer = estimate(covered(certificate_level="初级工", certificate_date=dt.date(2019, 5, 1)), as_of=AS_OF,
                       audience="officer").item("skill_training")
    assert officer.explanation() == t("rules.cond.junior_cost_given.unknown", cap=cap)
    paid = estimate(covered(certificate_level="初级工", certificate_date=dt.date(2019, 5, 1), training_cost=800), as_of=AS_OF).item("skill_training")
    assert paid.status == "eligible" and paid.amount == 800 and paid.notes == []


def test_rent_cap_is_explained():
    item = estimate(covered(first_employment_date=dt.date(2020, 1, 20), self_rented_months=17), as_of=AS_OF).item("rent")
    assert item.amount == 12 * P["rent.monthly"]
    assert any("17" in n and "12" in n for n in item.notes)


def test_an_impossible_month_count_says_what_is_wrong_and_the_most_that_can_be_true():
    # 2020-01 .. 2021-06 is 18 months: 20 months of rent cannot be true
    item = estimate(covered(first_employment_date=dt.date(2020, 1, 20), self_rented_months=20), as_of=AS_OF).item("rent")
    assert item.status == "error" and item.amount == 0 and item.next_step is None
    assert item.errors == [t("rules.worker.error.impossible_months", header=t("person.field.self_rented_months"),
                                         months=20, max=18)]


def test_employer_item_without_a_standard_has_no_amount():
    # 2019-01 .. 2021-06: 30 months paid, of which 2019-01 .. 2020-12 (24) are inside the window
    item = estimate(covered(employer="甲公司", social_insurance_months=30), as_of=AS_OF).item("employer_social_insurance")
    assert item.status == "eligible"
    assert item.amount is None and item.payable is None
    said = t("rules.note.employer_no_standard", months=24)
    assert said in item.explanation()                                              # the roster's text
    assert item.detail == [t("rules.worker.cond.employer_named.pass"),
                           t("rules.worker.note.employer_no_standard", months=24)]
    # the roster's one-column explanation lists items not granted; it does not repeat this per row
    res = evaluate_file(roster([roster_person(1, employer="甲公司", social_insurance_months="30",
                                              first_employment_date="2019-01-01"), roster_person(2)]),
                        "r.csv", as_of=AS_OF)
    assert said in res.frame["employer_social_insurance_reason"].iloc[0]
    assert said not in res.frame["reason"].iloc[0]
    with_std = estimate(covered(employer="甲公司", social_insurance_months=30), as_of=AS_OF,
                        standards={"employer_social_insurance.monthly": 100}).item("employer_social_insurance")
    assert with_std.amount == 24 * 100


def test_every_item_explained_in_one_text_per_roster_row():
    res = evaluate_file(roster([roster_person(1), roster_person(2, work_district="杭州市")]), "r.csv", as_of=AS_OF)
    f = res.frame
    for item in ITEMS:
        assert f[f"{item}_reason"].iloc[1] == ""  # error rows: no reason but the errors
    assert f["reason"].iloc[0]


# --------------------------------------------------------------------------- eligible items say why


def test_an_eligible_item_names_the_conditions_that_hold():
    est = estimate(covered(social_insurance_months=12, continuous_months=13, certificate_level="中级工",
                           certificate_date=dt.date(2018, 6, 1), organized=True), as_of=AS_OF)
    start, end = t("rules.date", y=P.start.year, m=P.start.month, d=P.start.day), \
        t("rules.date", y=P.end.year, m=P.end.month, d=P.end.day)
    assert est.item("stabilization").detail == [
        t("rules.cond.si_months_enough.pass", months=12, min=P["stabilization.min_social_insurance_months"])]
    assert est.item("skill_training").detail == [
        t("rules.cond.has_certificate.pass"), t("rules.cond.level_listed.pass", level="中级工"),
        t("rules.cond.certificate_in_window.pass", start=start, end=end)]
    assert est.item("organizer_service").detail == [
        t("rules.worker.cond.organizer_named.pass"),
        t("rules.cond.organizer_si_months_enough.pass", months=12, min=P["organizer_service.min_social_insurance_months"])]
    # an item that is not granted says only what stands in the way
    assert est.item("rent").detail == [] and est.item("rent").reasons == [t("rules.worker.cond.self_rented.fail")]


def test_rent_over_the_cap_is_explained_once():
    item = estimate(covered(self_rented_months=30), as_of=AS_OF).item("rent")
    counted = item.amount // P["rent.monthly"]
    assert counted == 24
    assert item.explanation() == t("rules.note.rent_capped", reported=30, counted=counted, max=P["max_subsidy_months"],
                                   end=t("rules.month", y=P.end.year, m=P.end.month), monthly=P["rent.monthly"])


# --------------------------------------------------------------------------- claims closed: no step that cannot pay

CLOSED = dt.date(2022, 1, 1)          # the day after the claim deadline
IN_WINDOW = dt.date(2020, 6, 1)       # the policy still runs


def test_after_the_claim_deadline_no_next_step_is_offered():
    """"再缴纳1个月社保即可享受3000元" after 2021-12-31 would cost the worker money for nothing."""
    person = covered(social_insurance_months=2, continuous_months=11, organized=True)
    open_ = estimate(person, as_of=AS_OF)
    assert open_.item("stabilization").next_step == t("rules.next.stabilization", n=1, amount=P["stabilization.amount"])
    assert open_.item("stabilization").final is False
    closed = estimate(person, as_of=CLOSED)
    assert closed.claim_closed
    for item in closed.items:
        assert item.next_step is None, item.code
        assert item.status != "not_eligible" or item.final, item.code
    # the roster's own text of the same conditions is unchanged
    assert closed.item("stabilization").explanation() == open_.item("stabilization").explanation()


def test_certificate_and_rent_steps_only_while_the_window_runs():
    """A certificate must be dated inside the window and rent counts months through 2020-12: after
    the window those steps cannot pay, even before the claim deadline."""
    person = covered()
    during = estimate(person, as_of=IN_WINDOW)
    assert during.item("skill_training").next_step and during.item("rent").next_step
    assert not during.item("skill_training").final and not during.item("rent").final
    after = estimate(person, as_of=AS_OF)            # 2021-06-30: window over, claims open
    for code in ("skill_training", "rent"):
        assert after.item(code).next_step is None and after.item(code).final, code
    assert after.item("stabilization").next_step and not after.item("stabilization").final


# --------------------------------------------------------------------------- the total while items are pending


def test_pending_total_from_the_same_item_results():
    est = estimate(Person(), as_of=AS_OF)
    assert est.total_to_worker == 0
    assert est.pending_items == ["stabilization", "family_visit", "skill_training", "rent"]
    assert est.pending_max is None                   # rent months and the certificate are unknown: no most
    only_poor = estimate(covered(registered_poor=None, social_insurance_months=12, continuous_months=13,
                                 certificate_level="中级工", certificate_date=dt.date(2018, 6, 1),
                                 self_rented_months=10), as_of=AS_OF)
    assert only_poor.total_to_worker == 0
    assert only_poor.pending_max == sum(i.possible_amount for i in only_poor.items if i.payee == "worker") \
        == P["stabilization.amount"] + P["family_visit.amount"] + P["skill_training.amount_intermediate"] \
        + 10 * P["rent.monthly"]
    part = estimate(covered(social_insurance_months=12, self_rented_months=None), as_of=AS_OF)
    assert part.total_to_worker == P["stabilization.amount"]
    assert part.pending_items == ["rent"] and part.pending_max is None
    known = estimate(covered(social_insurance_months=12), as_of=AS_OF)
    assert known.pending_items == [] and known.pending_max == 0


# --------------------------------------------------------------------------- not covered is final


@pytest.mark.parametrize("person", [
    Person(home_province="浙江"),
    Person(first_employment_date=dt.date(2017, 11, 20)),
    Person(registered_poor=False),
    covered(home_province="浙江省", social_insurance_months=None, certificate_level=None),
], ids=["zhejiang", "came_2017", "not_registered_poor", "zhejiang_rest_known"])
def test_not_covered_on_a_known_condition_asks_for_nothing_more(person):
    est = estimate(person, as_of=AS_OF)              # claims still open: the wording is still final
    assert est.covered == "not_eligible" and est.coverage_final
    assert est.coverage_reasons and est.coverage_missing == []
    for item in est.items:
        assert item.status == "not_eligible" and item.final, item.code
        assert item.missing == [] and item.next_step is None, item.code
        assert t("rules.worker.item.covered_fail") in item.reasons, item.code


def test_temporary_not_eligible_stays_temporary_while_it_can_change():
    est = estimate(covered(social_insurance_months=2, registered_poor=None), as_of=AS_OF)
    item = est.item("stabilization")
    assert item.status == "not_eligible" and not item.final
    assert item.missing                               # the unknown 建档立卡 still matters
    assert not est.coverage_final


def test_a_fact_that_fails_is_final():
    """技师 (the notice lists three levels) and a certificate dated outside the window cannot change."""
    tech = estimate(covered(certificate_level="技师", certificate_date=dt.date(2019, 5, 1)), as_of=IN_WINDOW)
    assert tech.item("skill_training").final
    late = estimate(covered(certificate_level="中级工", certificate_date=dt.date(2021, 3, 1)), as_of=AS_OF)
    assert late.item("skill_training").status == "not_eligible" and late.item("skill_training").final


# --------------------------------------------------------------------------- the skill subsidy: cap, whole yuan, nothing paid


def junior(cost, as_of=AS_OF):
    return estimate(covered(certificate_level="初级工", certificate_date=dt.date(2019, 5, 1), training_cost=cost),
                    as_of=as_of).item("skill_training")


def test_junior_cost_above_the_cap_says_so():
    item = junior(1500)
    assert item.status == "eligible" and item.amount == P["skill_training.cap_junior"] == 1000
    said = t("rules.note.skill_capped", cost="1500", cap=1000)
    assert said == "培训费用1500元，超过上限1000元，按1000元计"
    assert said in item.detail and said in item.explanation()
    assert not any("上限" in line for line in junior(800).detail)          # under the cap: nothing to say
    assert junior(1000).detail == junior(800).detail                      # at the cap: paid in full


def test_junior_cost_with_a_fraction_is_counted_in_whole_yuan():
    """RULES.md is silent on fen: the subsidy is counted in whole yuan, rounded down, so it never
    exceeds what the training cost; the card says so."""
    item = junior(300.5)
    assert item.amount == 300
    assert t("rules.note.skill_rounded", cost="300.5", amount=300) in item.detail
    assert junior(999.99).amount == 999
    capped = junior(1000.5)
    assert capped.amount == 1000 and t("rules.note.skill_capped", cost="1000.5", cap=1000) in capped.detail


@pytest.mark.parametrize("cost, shown", [(0, "0"), (0.3, "0.3")])
def test_junior_cost_of_nothing_is_not_eligible_with_the_reason(cost, shown):
    """Not "可享受 0 元": 初级工 is paid the actual cost, and a cost that comes to nothing is a reason."""
    item = junior(cost)
    assert item.status == "not_eligible" and item.amount == 0
    assert item.reasons == [t("rules.cond.junior_cost_paid.fail", cost=shown)]
    assert item.next_step is None and item.final


def test_skill_cost_texts_are_the_rosters_too():
    rows = [roster_person(1, certificate_level="初级工", certificate_date="2019-05-01", training_cost="1500"),
            roster_person(2, certificate_level="初级工", certificate_date="2019-05-01", training_cost="0"),
            roster_person(3, certificate_level="初级工", certificate_date="2019-05-01", training_cost="300.5")]
    f = evaluate_file(roster(rows), "r.csv", as_of=AS_OF).frame
    assert f["skill_training"].tolist() == [1000, 0, 300]
    assert f["skill_training_status"].astype(str).tolist() == ["eligible", "not_eligible", "eligible"]
    assert t("rules.note.skill_capped", cost="1500", cap=1000) in f["skill_training_reason"].iloc[0]
    assert t("rules.cond.junior_cost_paid.fail", cost="0") in f["reason"].iloc[1]
    assert t("rules.note.skill_rounded", cost="300.5", amount=300) in f["skill_training_reason"].iloc[2]


# --------------------------------------------------------------------------- worker's words, roster's words


def test_worker_words_for_the_employer_and_organiser():
    est = estimate(covered(has_employer=False, organized=None), as_of=AS_OF)
    employer = est.item("employer_social_insurance")
    assert employer.reasons == [t("rules.worker.cond.employer_named.fail")]
    assert "未填写" not in employer.reasons[0]
    assert employer.explanation() == t("rules.cond.employer_named.fail")     # the roster still says 未填写用人单位
    organizer = est.item("organizer_service")
    assert t("rules.worker.cond.organizer_named.unknown") in organizer.missing
    assert not any("市场主体" in line for line in organizer.missing)
    officer = estimate(covered(has_employer=False, organized=None), as_of=AS_OF, audience="officer")
    assert officer.item("employer_social_insurance").reasons == [t("rules.cond.employer_named.fail")]


def test_worker_words_for_the_employer_subsidy_without_a_local_standard():
    item = estimate(covered(has_employer=True, social_insurance_months=2), as_of=AS_OF).item("employer_social_insurance")
    assert item.detail[-1] == t("rules.worker.note.employer_no_standard", months=2)
    assert not any("未配置" in line or "核定" in line for line in item.detail)


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("key", sorted(k for k in catalog("zh") if k.startswith("rules.worker.")))
def test_every_worker_wording_replaces_an_officer_wording(key):
    """A worker text stands in for a roster text (same figures at most), never for nothing."""
    zh = catalog("zh")
    officer = key.replace("rules.worker.", "rules.", 1)
    assert officer in zh
    assert _fields(zh[key]) <= _fields(zh[officer]) | {"start", "end"}


# --------------------------------------------------------------------------- dates after today


def test_a_date_after_today_is_set_aside_and_said():
    today = dt.date(2026, 11, 26)
    est = estimate(covered(first_employment_date=dt.date(2031, 1, 1)), as_of=today)
    assert est.input_problems == [t("person.future_date", field=t("person.field.first_employment_date"),
                                    date="2031年1月1日", today="2026年11月26日")]
    assert est.covered == "unknown"                                  # not "晚于2020年12月31日"
    assert not any("晚于" in r for r in est.coverage_reasons)
    assert est.coverage_missing == [t("rules.worker.cond.came_from_window_start.unknown")]
    cert = estimate(covered(certificate_level="中级工", certificate_date=dt.date(2030, 1, 1)), as_of=today)
    # RULES.md: a certificate dated after the day of the check is an error of the skill item, as
    # in a roster (the date itself decides nothing)
    assert cert.input_problems and cert.item("skill_training").status == "error"
    assert cert.item("skill_training").errors == [t("rules.worker.error.bad_value", header=t("person.field.certificate_date"))]
    assert estimate(covered(), as_of=today).input_problems == []


def test_the_most_still_possible_does_not_understate_with_the_date_unknown():
    """With the first employment date unknown, rent could count up to the longest subsidy period:
    the self-check's "at most X more" is 3000 + 5000 + 21 × 500 = 18,500, not 8,500 (one month)."""
    person = covered(first_employment_date=None, social_insurance_months=3, continuous_months=12, self_rented_months=21)
    est = estimate(person, as_of=AS_OF)
    assert est.pending_items == ["stabilization", "family_visit", "rent"]
    assert est.item("rent").possible_amount == 21 * P["rent.monthly"]
    assert est.pending_max == P["stabilization.amount"] + P["family_visit.amount"] + 21 * P["rent.monthly"]
    # more months than the longest period: the most is the longest period
    long = estimate(covered(first_employment_date=None, self_rented_months=50), as_of=AS_OF)
    assert long.item("rent").possible_amount == P["max_subsidy_months"] * P["rent.monthly"]
    # a level not known: the most is the highest level's amount
    level = estimate(covered(certificate_level=None), as_of=AS_OF)
    assert level.item("skill_training").possible_amount == P["skill_training.amount_senior"]

