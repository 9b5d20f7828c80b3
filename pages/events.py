"""City officers: recruitment fairs (with their enterprises), love posts and poverty-alleviation bases."""
import datetime as dt
import re

import streamlit as st

from core.db import events
from core.db.accounts import AccountError
from core.enterprise import (
    MONTHS_PER_YEAR, base_awards, districts_without_fair, love_post_subsidies, paired_provinces, province_names,
    recruitment_fair_subsidies,
)
from core.i18n import join_enum, t
from core.reference import districts, policy
from core.reference_names import district_labels, shown, shown_all
from pages._common import client_ip, done, lang, local_standards, officer_text, plain, require_role, show_notice
from pages._stored_tables import EVENT_COLUMNS, stored_table

user = require_role("admin", "city_officer")
FOUR = list(paired_provinces())           # a fair counts anywhere in the four provinces (三(五))


def province_word(code: str) -> str:
    """A province code as the page names it (Sichuan on an English page; stored as the code)."""
    return shown(province_names([code])[0], lang())


PROVINCE_WORDS = {code: province_word(code) for code in FOUR}   # this run's language, for the choices


def _t(key: str, **fmt) -> str:
    return t(f"db.{key}", lang(), **fmt)


def _save(fn, *args, clear: tuple[str, ...] = (), **kwargs):
    """Store an event; a refusal says why and keeps what was typed, a success empties the form
    (the widgets ``clear``) and confirms after the rerun."""
    try:
        fn(user, *args, ip=client_ip(), **kwargs)
    except AccountError as exc:
        st.error(plain(exc.text(lang())))
    else:
        done(_t("events.saved"), clear)


def _missing(**given) -> bool:
    """Whether a field of the form is empty (given as ``events_page`` label key = value); if so,
    one sentence naming every empty field by its label (the form keeps what was typed)."""
    empty = [re.split(r"\s*[\uff08(]", _t(f"events_page.{name}"))[0] for name, value in given.items()   # no hint
             if value is None or (isinstance(value, str) and not value.strip())]
    if empty:
        st.error(officer_text("events.missing", fields=join_enum(empty, lang())))
    return bool(empty)


def _withdraw_form(kind: str, ids: list[int]) -> None:
    """Withdraw a recorded event by its number (kept in the database, marked and audited)."""
    if not ids:
        return
    with st.form(f"db_withdraw_{kind}", clear_on_submit=True):
        which = st.selectbox(_t("events_page.withdraw_which"), ids, key=f"withdraw_{kind}")
        if st.form_submit_button(_t("events_page.withdraw")):
            try:
                events.withdraw_event(kind, int(which), user, ip=client_ip())
            except AccountError as exc:
                st.error(plain(exc.text(lang())))
            else:
                done(_t("events_page.withdrawn", id=which))


st.title(_t("events_page.title"))
show_notice()
names = list(districts()["name"])
# the year the page opens on: this year while the policy runs, else its last year
YEAR = min(dt.date.today().year, policy().end.year)
# the tab stays the one the officer was working in after a save (its own key)
fairs_tab, posts_tab, bases_tab = st.tabs([_t("events_page.fairs"), _t("events_page.love_posts"), _t("events_page.bases")],
                                          key="events_tab", on_change="rerun")

with fairs_tab:
    year = st.number_input(_t("events_page.year"), min_value=policy().start.year, max_value=2100, value=YEAR, key="fy")
    fr = events.fairs_frame(int(year))
    if len(fr):
        st.dataframe(stored_table(recruitment_fair_subsidies(fr, lang()), EVENT_COLUMNS["fairs"]), hide_index=True, width="stretch")
    missing = districts_without_fair(fr, int(year))
    if missing:
        st.warning(_t("events_page.no_fair_yet", districts=join_enum(shown_all(missing, lang()), lang())))
    # the form starts empty and is emptied after a save: no district, date or province chosen for
    # the officer, which would make a plausible wrong fair when left as it was
    with st.form("db_fair"):
        district = st.selectbox(_t("events_page.district"), names, index=None, key="fair_district",
                                format_func=district_labels(lang()).get, placeholder=officer_text("events.choose"))
        date = st.date_input(_t("events_page.date"), value=None, min_value=dt.date(policy().start.year - 1, 1, 1),
                             max_value=dt.date(2100, 12, 31), key="fair_date", format="YYYY-MM-DD")
        province = st.selectbox(_t("events_page.province"), FOUR, index=None, format_func=PROVINCE_WORDS.get,
                                key="fair_province", placeholder=officer_text("events.choose"))
        venue = st.text_input(_t("events_page.venue"), key="fair_venue", help=_t("events_page.venue_help"))
        firms = st.text_area(_t("events_page.enterprises"), key="fair_firms", max_chars=events.MAX_ENTERPRISE_TEXT)
        if st.form_submit_button(_t("events_page.save")) and not _missing(
                district=district, date=date, province=province, venue=venue, enterprises=firms):
            _save(events.add_fair, district, date, venue, firms.splitlines(), province=province,
                  clear=("fair_district", "fair_date", "fair_province", "fair_venue", "fair_firms"))
    unrecorded = sorted(set(fr.loc[fr["province"].isna(), "fair_id"].tolist())) if len(fr) else []
    if unrecorded:       # fairs stored before the province had its own field
        with st.form("db_fair_province"):
            st.markdown(f"**{_t('events_page.set_province')}**")
            st.caption(_t("events_page.set_province_hint"))
            c1, c2 = st.columns(2)
            which = c1.selectbox(_t("events_page.set_province_which"), unrecorded, key="fair_fix_id")
            fix = c2.selectbox(_t("events_page.province"), FOUR, format_func=PROVINCE_WORDS.get, key="fair_fix_province")
            if st.form_submit_button(_t("events_page.save")):
                try:
                    events.set_fair_province(user, int(which), fix)
                except AccountError as exc:
                    st.error(plain(exc.text(lang())))
                else:
                    done(_t("events.province_saved", id=which, province=province_word(fix)))
    _withdraw_form("fair", sorted(set(fr["fair_id"].tolist())) if len(fr) else [])

with posts_tab:
    posts = events.love_posts_frame()
    monthly = (local_standards() or {}).get("love_post.monthly")
    if monthly is None:
        st.info(_t("events_page.standard_missing"))
    if len(posts):
        st.dataframe(stored_table(love_post_subsidies(posts, monthly, lang()), EVENT_COLUMNS["love_posts"]), hide_index=True,
                     width="stretch")
    with st.form("db_post"):
        employer = st.text_input(_t("events_page.employer"), key="post_employer")
        person = st.text_input(_t("events_page.person_name"), key="post_person")
        id_number = st.text_input(_t("events_page.id_number"), key="post_id")
        c1, c2 = st.columns(2)
        pyear = c1.number_input(_t("events_page.year"), min_value=policy().start.year, max_value=2100, value=None,
                                key="post_year")
        months = c2.number_input(_t("events_page.months"), min_value=0, max_value=MONTHS_PER_YEAR, value=None,
                                 key="post_months")
        if st.form_submit_button(_t("events_page.save")) and not _missing(
                employer=employer, year=pyear, months=months):
            _save(events.add_love_post, employer, int(pyear), int(months), person_name=person, id_number=id_number,
                  clear=("post_employer", "post_person", "post_id", "post_year", "post_months"))
    _withdraw_form("love_post", posts["id"].tolist() if len(posts) else [])

with bases_tab:
    bs = events.bases_frame()
    if len(bs):
        st.dataframe(stored_table(base_awards(bs, lang()), EVENT_COLUMNS["bases"]), hide_index=True, width="stretch")
    with st.form("db_base"):
        base = st.text_input(_t("events_page.base"), key="base_name")
        level = st.selectbox(_t("events_page.level"), events.LEVELS, index=None,
                             format_func=lambda v: _t(f"events_page.level_{v}"), key="base_level",
                             placeholder=officer_text("events.choose"))
        c1, c2 = st.columns(2)
        byear = c1.number_input(_t("events_page.year"), min_value=policy().start.year, max_value=2100, value=None,
                                key="base_year")
        hires = c2.number_input(_t("events_page.hires"), min_value=0, value=None, key="base_hires")
        if st.form_submit_button(_t("events_page.save")) and not _missing(
                base=base, level=level, year=byear, hires=hires):
            _save(events.add_base, base, level, int(byear), int(hires),
                  clear=("base_name", "base_level", "base_year", "base_hires"))
    _withdraw_form("base", bs["id"].tolist() if len(bs) else [])
