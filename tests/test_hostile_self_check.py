"""The public self-check against what anyone can type: a number of thousands of digits is the
field's own sentence (Python refuses to turn more than 4,300 digits into an int, which showed
the page's internal-error sentence instead), and a long text is not echoed back whole."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core.i18n import t
from pages import _self_check_form as form
from tests.test_self_check_inputs import APP

HUGE = "9" * 5000


def test_a_number_of_thousands_of_digits_is_a_bad_number():
    assert form.parse_months(HUGE) == (None, "self_check.bad_months")
    assert form.parse_months("9" * 1_000_000) == (None, "self_check.bad_months")
    assert form.parse_amount(HUGE) == (None, "self_check.bad_amount")


def test_the_page_says_the_fields_sentence_with_what_was_typed_shortened():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="sc_si").set_value(HUGE).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert t("ui.common.internal_error") not in errors
    label = t("ui.self_check.q_si_months")
    shown = HUGE[:form.ECHO_CHARS] + "…"
    assert errors == [t("ui.self_check.bad_months", label=label, value=shown, most=form.MOST_MONTHS)]
