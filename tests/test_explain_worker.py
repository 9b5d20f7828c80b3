"""What the self-check asks the worker (core.explain, audience "worker"): every "还需要了解" line is
a question the form asks; conditions that wait for the same answer are said once; what the form
cannot ask is for the district office. Officers' texts unchanged."""
from __future__ import annotations

import pytest

from core.i18n import t
from core.person import Person, estimate
from tests.test_explain import AS_OF, P, covered


# --------------------------------------------------------------------------- what the worker is asked


# The worker texts of the questions the self-check's form asks (pages/self_check.py), and the one
# that stands for the question it asks for several conditions (the certificate: which level, or none).
ASKED_BY_THE_FORM = {
    "cond.registered_poor.unknown": "q_poor", "cond.paired_province.unknown": "q_province",
    "cond.came_from_window_start.unknown": "q_first_date", "cond.came_by_window_end.unknown": "q_first_date",
    "cond.works_in_shaoxing.unknown": "q_district", "cond.employer_named.unknown": "q_has_employer",
    "cond.si_months_enough.unknown": "q_si_months", "cond.organizer_si_months_enough.unknown": "q_si_months",
    "cond.continuous_months_enough.unknown": "q_continuous", "cond.organizer_named.unknown": "q_organized",
    "cond.has_certificate.unknown": "q_cert", "cond.certificate_in_window.unknown": "q_cert_date",
    "cond.junior_cost_given.unknown": "q_cost", "cond.self_rented.unknown": "q_rent",
    "item.covered_unknown": "coverage_title",
}


def _asked(key: str) -> str:
    return t(f"rules.worker.{key}", cap=P["skill_training.cap_junior"])


@pytest.mark.parametrize("person", [Person(), covered(certificate_level=None, self_rented_months=None),
                                    covered(certificate_level="初级工", certificate_date=None, training_cost=None)],
                         ids=["nothing", "certificate and rent not sure", "junior without date and cost"])
def test_the_worker_is_asked_only_what_the_form_asks(person):
    """Every "还需要了解" line is one of the form's questions: never whether the certificate is a
    职业资格证书, which the form does not ask (that is for the district office, listed apart)."""
    est = estimate(person, as_of=AS_OF)
    asked = {_asked(key) for key in ASKED_BY_THE_FORM}
    lines = est.coverage_missing + [line for item in est.items for line in item.missing]
    assert lines and set(lines) <= asked


def test_a_certificate_not_known_asks_two_things_the_form_asks_and_officers_keep_four():
    est = estimate(covered(certificate_level=None), as_of=AS_OF)
    item = est.item("skill_training")
    assert item.status == "unknown"
    assert item.missing == [_asked("cond.has_certificate.unknown"), _asked("cond.certificate_in_window.unknown")]
    assert t("ui.self_check.cert_none") in item.missing[0]     # the answer to choose without a certificate
    assert t("person.cannot_check.certificate_kind") in est.cannot_check
    officer = estimate(covered(certificate_level=None), as_of=AS_OF, audience="officer").item("skill_training")
    assert officer.missing == [t("rules.cond.has_certificate.unknown"), t("rules.cond.is_qualification.unknown"),
                               t("rules.cond.level_listed.unknown"), t("rules.cond.certificate_in_window.unknown")]
    assert officer.possible_amount == item.possible_amount == P["skill_training.amount_senior"]


def test_rent_not_known_says_what_to_answer_and_no_rent_is_said_plainly():
    unknown = estimate(covered(self_rented_months=None), as_of=AS_OF).item("rent")
    assert unknown.missing == [_asked("cond.self_rented.unknown")]
    assert t("ui.self_check.no_rent") in unknown.missing[0]       # the form's "I do not rent" answer
    none = estimate(covered(self_rented_months=0), as_of=AS_OF).item("rent")
    assert none.status == "not_eligible" and none.reasons == [t("rules.worker.cond.self_rented.fail")]
    assert estimate(covered(self_rented_months=0), as_of=AS_OF, audience="officer").item("rent").reasons == \
        [t("rules.cond.self_rented.fail")]
    rented = estimate(covered(self_rented_months=8), as_of=AS_OF)
    assert rented.item("rent").detail[0] == t("rules.worker.cond.self_rented.pass", reported=8) == "您在绍兴自己租房住了8个月"
    assert estimate(covered(self_rented_months=8), as_of=AS_OF, audience="officer").item("rent").detail[0] == \
        t("rules.cond.self_rented.pass", reported=8)
