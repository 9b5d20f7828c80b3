"""政策自测 (public): a short form in four steps, the result on the same screen. Stores nothing."""
import datetime as dt

import streamlit as st

from core import reference
from core.i18n import DEFAULT_LANG, join_list
from core.person import estimate
from pages._common import STATUS_COLORS, as_of, lang, money, plain, ui_text
from pages._self_check_form import (
    JUNIOR, MOST_MONTHS, NO_CERTIFICATE, card_amount, card_reasons, certificate_options, district_options,
    clause_words, echo, format_day, parse_amount, parse_months, person_from_answers, province_labels, province_options,
)
from pages._date_choice import date_question

YES_NO = ("yes", "no", "unknown")

st.set_page_config(layout="centered")
st.title(ui_text("self_check.title"))
_deadline = reference.policies()[-1]["claim_deadline"]     # the last claim deadline in force
if (as_of() or dt.date.today()) > _deadline:     # the first thing said, before the questions
    st.warning(ui_text("self_check.closed_before", date=format_day(_deadline)), icon=":material/event_busy:")
st.write(ui_text("self_check.intro"))


# Answers whose choices are shown in words of the page's language (yes/no, district, certificate):
# Streamlit keeps such a widget's value as the shown words, so after a language switch the old
# widget would show nothing chosen. Each language gets its own widget, started from the answer
# given in the other; the answers by question live in ANSWERS, whatever the language.
ANSWERS, LANG_SEEN = "sc_answers", "sc_lang"
switched = st.session_state.get(LANG_SEEN, lang()) != lang()


def carried(name: str, initial=None) -> str:
    """The widget key of question ``name`` in this run's language, holding the answer so far."""
    key = name if lang() == DEFAULT_LANG else f"{name}.{lang()}"
    given = st.session_state.setdefault(ANSWERS, {})
    if switched or key not in st.session_state:
        value = given.get(name, initial)
        if value is not None or key in st.session_state:
            st.session_state[key] = value
    return key


def answered(name: str, value):
    st.session_state[ANSWERS][name] = value
    return value


def yes_no(name: str, label: str, help: str | None = None) -> str:
    words = {v: ui_text(f"common.{v}") for v in YES_NO}
    value = st.radio(label, YES_NO, key=carried(name, "unknown"), horizontal=True, help=help, format_func=words.get)
    return answered(name, value)


def number(name: str, label_key: str, help_key: str, parse, disabled_as: str | None = None) -> int | float | None:
    """A number typed as text (Streamlit's number field speaks English and drops a value outside
    its range without a word): read by ``parse``; a value that cannot be right is said in one
    sentence under the field and left out of the result, which says so again. A field answered
    otherwise is locked, showing that answer (``disabled_as``), and read as not given here."""
    label = ui_text(label_key)
    text = st.text_input(label, key=name, placeholder=disabled_as or unknown, help=ui_text(help_key),
                         disabled=disabled_as is not None)
    if disabled_as is not None:
        return None
    value, problem = parse(text)
    if problem:
        problems.append(ui_text(problem, label=label, value=plain(echo(text)), most=MOST_MONTHS))
        st.error(problems[-1], icon=":material/error:")
    return value


def day_asked(name: str, question: str, help: str):
    """A date as 年 / 月 / 日 choices starting in the policy's first year (pages/_date_choice.py);
    a date chosen in part is said under the field and counts as not sure."""
    value, problem = date_question(name, question, help, today, lang(), carried, answered)
    if problem:
        problems.append(problem)
    return value


def step(n: int, title_key: str):
    st.subheader(ui_text("self_check.step", n=n, title=ui_text(title_key)), divider="gray", anchor=False)


unknown = ui_text("self_check.placeholder_unknown")
today = as_of() or dt.date.today()     # no date a worker gives can lie after it
start, end = reference.policies()[0].start, reference.policies()[-1].end
answers: dict = {}
problems: list[str] = []               # answers that cannot be right, said under their field

step(1, "self_check.step1")
answers["registered_poor"] = yes_no("sc_poor", ui_text("self_check.q_poor"), ui_text("self_check.q_poor_help"))
province_names = province_labels()
answers["home_province"] = answered("sc_province", st.selectbox(
    ui_text("self_check.q_province"), province_options(), index=None, format_func=province_names.get,
    placeholder=unknown, key=carried("sc_province")))
answers["home_county"] = st.text_input(ui_text("self_check.q_county"), key="sc_county",
                                       placeholder=unknown, help=ui_text("self_check.q_county_help"))

step(2, "self_check.step2")
answers["first_employment_date"] = day_asked(
    "sc_first_date", ui_text("self_check.q_first_date"),
    ui_text("self_check.q_first_date_help", start=format_day(start), end=format_day(end)))
district_labels = district_options()
answers["work_district"] = answered("sc_district", st.selectbox(
    ui_text("self_check.q_district"), list(district_labels), index=None, format_func=district_labels.get,
    placeholder=unknown, key=carried("sc_district")))
answers["has_employer"] = yes_no("sc_has_employer", ui_text("self_check.q_has_employer"))
if answers["has_employer"] == "yes":
    answers["employer"] = st.text_input(ui_text("self_check.q_employer"), key="sc_employer")
answers["social_insurance_months"] = number("sc_si", "self_check.q_si_months", "self_check.q_si_months_help",
                                            parse_months)
answers["continuous_months"] = number("sc_continuous", "self_check.q_continuous", "self_check.q_continuous_help",
                                      parse_months)
answers["organized"] = yes_no("sc_organized", ui_text("self_check.q_organized"))
if answers["organized"] == "yes":
    answers["organizer"] = st.text_input(ui_text("self_check.q_organizer"), key="sc_organizer")

step(3, "self_check.step3")
levels = certificate_options()
answers["certificate_level"] = answered("sc_cert", st.selectbox(
    ui_text("self_check.q_cert"), list(levels), index=None, format_func=levels.get, placeholder=unknown,
    key=carried("sc_cert")))
if answers["certificate_level"] not in (None, NO_CERTIFICATE):
    answers["certificate_date"] = day_asked(
        "sc_cert_date", ui_text("self_check.q_cert_date"),
        ui_text("self_check.q_cert_date_help", start=format_day(start), end=format_day(end)))
    if answers["certificate_level"] == JUNIOR:
        answers["training_cost"] = number("sc_cost", "self_check.q_cost", "self_check.q_cost_help", parse_amount)

step(4, "self_check.step4")
# An empty field is 不清楚 (rent pending); "I do not rent" is said by the box under it, which
# empties and locks the field: 0 months (a roster's blank cell is 0, ROSTER.md; a worker's is not)
no_rent = bool(st.session_state.get("sc_no_rent"))
answers["self_rented_months"] = number("sc_rent", "self_check.q_rent", "self_check.q_rent_help", parse_months,
                                       disabled_as=ui_text("self_check.no_rent_months") if no_rent else None)
if st.checkbox(ui_text("self_check.no_rent"), key="sc_no_rent", help=ui_text("self_check.no_rent_help"),
               on_change=lambda: st.session_state.update(sc_rent="")):
    answers["self_rented_months"] = 0

if st.button(ui_text("self_check.submit"), type="primary", key="sc_submit", width="stretch"):
    st.session_state["sc_shown"] = True

def badge(item, closed: bool) -> str:
    """The word on an item's card: after the claim deadline an eligible item is what the policy
    would have given; a "not eligible" that nothing can change is final, not "not yet"."""
    if item.status == "eligible":
        return ui_text("self_check.badge.eligible_closed" if closed else "self_check.badge.eligible")
    if item.status == "not_eligible":
        return ui_text("self_check.badge.not_eligible_final" if item.final else "self_check.badge.not_eligible")
    if item.status == "error":      # an answer that cannot be true (more months than have passed)
        return ui_text("self_check.badge.error")
    return ui_text("self_check.badge.unknown")


def total_metric(result) -> None:
    """The worker's total, from the same item results as the cards: the amounts known, and what is
    still pending (never a bare 0 while an item lacks information)."""
    label = ui_text("self_check.total_closed" if result.claim_closed else "self_check.total")
    pending = result.pending_items
    if not pending:
        value = money(result.total_to_worker)
    elif result.total_to_worker:
        value = ui_text("self_check.total_known", amount=money(result.total_to_worker))
    else:
        value = ui_text("self_check.total_pending")
    st.metric(label, value, help=ui_text("self_check.total_help"))
    if pending:
        most = result.pending_max
        st.caption(ui_text("self_check.total_pending_max", amount=money(most)) if most
                   else ui_text("self_check.total_pending_open"))


if st.session_state.get("sc_shown"):
    result = estimate(person_from_answers(answers), as_of=as_of(), lang=lang())
    st.header(ui_text("self_check.result_title"), anchor="result")
    for problem in problems:            # said again with the result: that answer was left out
        st.error(problem, icon=":material/error:")
    for problem in result.input_problems:
        st.error(plain(problem), icon=":material/error:")
    deadline = format_day(result.claim_deadline)
    if result.coverage_final:
        pass                            # not covered: the one explanation below says all there is
    elif result.claim_closed:
        st.warning(ui_text("self_check.deadline_closed", date=deadline), icon=":material/event_busy:")
    else:
        st.info(ui_text("self_check.deadline_open", date=deadline), icon=":material/event:")

    with st.container(border=True, key="coverage_card"):
        st.markdown(f"**{ui_text('self_check.coverage_title')}** "
                    f":{STATUS_COLORS[result.covered]}-badge[{ui_text('self_check.coverage_badge.' + result.covered)}]")
        st.write(ui_text(f"self_check.covered.{result.covered}"))
        st.markdown("\n".join(f"- {plain(reason)}" for reason in result.coverage_reasons))
        if result.coverage_missing:
            st.markdown(f"**{ui_text('self_check.missing')}** " + plain(join_list(result.coverage_missing, lang())))
        if result.covered == "not_eligible":     # where to go; and no card per item saying the same
            st.markdown(ui_text("self_check.where_to_go"))

if st.session_state.get("sc_shown") and not result.coverage_final:
    total_metric(result)

    for item in result.items:
        with st.container(border=True, key=f"card_{item.code}"):
            head, amount = st.columns([3, 2], vertical_alignment="center")
            head.markdown(f"**{item.title}**  \n:{STATUS_COLORS[item.status]}-badge[{badge(item, result.claim_closed)}]")
            amount.markdown(f"#### {card_amount(item)}")
            lines = card_reasons(item)
            if lines:
                st.markdown("\n".join(f"- {plain(line)}" for line in lines))
            if item.missing:
                st.markdown(f"**{ui_text('self_check.missing')}** " + plain(join_list(item.missing, lang())))
            if item.next_step:
                st.markdown(f"**{ui_text('self_check.next_step')}** {plain(item.next_step)}")
            st.caption(f"{ui_text('self_check.clause', clause=clause_words(item.clause))} · "
                       f"{ui_text('self_check.payee_' + item.payee)}")

    if result.cannot_check:
        st.subheader(ui_text("self_check.cannot_check_title"))
        st.markdown("\n".join(f"- {plain(text)}" for text in result.cannot_check))
    if result.notes:
        st.subheader(ui_text("self_check.notes_title"))
        st.markdown("\n".join(f"- {plain(text)}" for text in result.notes))

st.session_state[LANG_SEEN] = lang()
