"""工作台帐 (officers; leaders read): the cooperation activities of the districts with filters and
their workbook, new entries (a fair links its record) and corrections. Everything decided in
core.db.activities."""
import datetime as dt

import pandas as pd
import streamlit as st

from core.db import activities, events
from core.db.accounts import AccountError
from core.db.people import EARLIEST, MAX_NOTE, WRITERS
from core.i18n import t
from core.reference import districts
from core.reference_names import district_labels, shown, shown_column
from pages._common import client_ip, done, lang, plain, require_role, show_notice, ui_text, user_district, user_role
from pages._stored_tables import shown_table

st.set_page_config(layout="wide")
user = require_role("admin", "city_officer", "district_officer", "leader")
own = user_district(user)
writer = user_role(user) in WRITERS
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = activities.activity_kinds()
NAMES = list(districts()["name"])
TODAY = dt.date.today()


def _t(key: str, **fmt) -> str:
    return t(f"people.{key}", lang(), **fmt)


def _kind(code: str) -> str:
    return _t(f"activity.{code}")


def _refused(exc: AccountError) -> None:
    st.error(plain(exc.text(lang())))


# the kinds' words made in this run's language (a dict, not a function that asks for it later)
KIND_WORDS = {code: _kind(code) for code in KINDS}
st.title(_t("ledger_page.title"))
st.caption(_t("ledger_page.intro"))
show_notice()

kinds = st.multiselect(_t("ledger_page.kinds"), KINDS, format_func=KIND_WORDS.get, key="ledger_kinds",
                       placeholder=_t("ledger_page.all_kinds"))
c1, c2, c3 = st.columns(3)
if own:
    district = own
    c1.caption(ui_text("common.pair", label=_t("ledger_page.district"), value=plain(shown(own, lang()))))
else:
    district = c1.selectbox(_t("ledger_page.district"), [""] + NAMES,
                            format_func={"": _t("city"), **district_labels(lang())}.get,
                            key="ledger_district") or None
start = c2.date_input(_t("ledger_page.start"), value=None, min_value=EARLIEST, max_value=TODAY, format="YYYY-MM-DD",
                      key="ledger_start")
end = c3.date_input(_t("ledger_page.end"), value=None, min_value=EARLIEST, max_value=TODAY, format="YYYY-MM-DD",
                    key="ledger_end")
# demo entries and fairs (python -m core demo) are left out unless asked for, as the 统计报表
# counts no demo fair and the dashboard shows none by default; asked for, their source says 示例数据
include_demo = st.toggle(ui_text("dashboard.include_demo"), value=False, key="ledger_include_demo",
                         help=t("officer.demo.include_help", lang()))
try:
    ledger = activities.activities_frame(user, kinds, district, start, end, include_demo)
except AccountError as exc:
    _refused(exc)
    ledger = None
if ledger is not None:
    if ledger.empty:
        st.info(_t("ledger_page.none"))
    else:
        st.caption(_t("ledger_page.listed", n=len(ledger)))
        ledger_table = activities.display(ledger, lang())
        district_col = _t("col.district")
        if district_col in ledger_table.columns:       # the screen only: the workbook as before
            ledger_table[district_col] = shown_column(ledger_table[district_col], lang())
        st.dataframe(shown_table(ledger_table), hide_index=True, width="stretch",
                     key="ledger_table")
        st.download_button(_t("ledger_page.export"), lambda: activities.ledger_xlsx(ledger, lang()),
                           file_name=f"work-ledger-{TODAY.isoformat()}.xlsx", mime=XLSX, key="ledger_export",
                           on_click="ignore", icon=":material/download:")

if not writer:
    st.info(_t("ledger_page.read_only"))
    st.stop()

def _save(fn, *args, message: str, **kwargs) -> None:
    try:
        aid = fn(user, *args, ip=client_ip(), **kwargs)
    except AccountError as exc:
        _refused(exc)
    else:
        done(_t(message, id=aid))


def _district_field(key: str) -> str:
    return own if own else st.selectbox(_t("ledger_page.district"), NAMES, key=key,
                                        format_func=district_labels(lang()).get)


with st.expander(_t("ledger_page.add_title"), icon=":material/add:", expanded=ledger is not None and ledger.empty):
    with st.form("act_form", clear_on_submit=True, border=False):
        kind = st.selectbox(_t("ledger_page.kind"), [k for k in KINDS if k != activities.FAIR], format_func=KIND_WORDS.get,
                            key="act_kind")
        where = _district_field("act_district")
        day = st.date_input(_t("ledger_page.date"), value=TODAY, min_value=EARLIEST, max_value=TODAY,
                            format="YYYY-MM-DD", key="act_date")
        place = st.text_input(_t("ledger_page.place"), key="act_place", max_chars=255)
        reached = st.number_input(_t("ledger_page.people_reached"), min_value=0, value=None, step=1, key="act_people",
                                  placeholder=_t("ledger_page.blank"))
        note = st.text_area(_t("ledger_page.note"), key="act_note", max_chars=MAX_NOTE)
        if st.form_submit_button(_t("ledger_page.save"), key="act_save", type="primary"):
            _save(activities.add_activity, kind, day, where, place, reached, note, message="ledger_page.saved")

recorded = events.fairs_frame().drop_duplicates("fair_id")
if not include_demo:
    recorded = recorded[~recorded["demo"].astype(bool)]
if own:
    recorded = recorded[recorded["district"] == own]
linked = set(ledger["fair_id"][ledger["source"] == "ledger"].dropna().astype(int)) if ledger is not None else set()
unlinked = recorded[~recorded["fair_id"].isin(linked)]
with st.expander(_t("ledger_page.fair_title"), icon=":material/storefront:"):
    if unlinked.empty:
        st.info(_t("ledger_page.no_fairs"))
    else:
        with st.form("fair_form", clear_on_submit=True, border=False):
            labels = {int(r.fair_id): _t("ledger_page.fair_label", id=r.fair_id, date=pd.Timestamp(r.date).date(),
                                         venue=r.venue, district=shown(r.district, lang())) for r in unlinked.itertuples()}
            fair_id = st.selectbox(_t("ledger_page.fair"), list(labels), format_func=labels.get, key="act_fair")
            reached = st.number_input(_t("ledger_page.people_reached"), min_value=0, value=None, step=1,
                                      key="fair_people")
            note = st.text_area(_t("ledger_page.note"), key="fair_note", max_chars=MAX_NOTE)
            if st.form_submit_button(_t("ledger_page.save"), key="fair_save", type="primary"):
                _save(activities.add_activity, activities.FAIR, people_reached=reached, note=note, fair_id=fair_id,
                      message="ledger_page.saved")

entries = ledger[ledger["id"].notna()] if ledger is not None else pd.DataFrame()
if len(entries):
    with st.expander(_t("ledger_page.correct_title"), icon=":material/edit_note:"):
        with st.form("fix_act_form", clear_on_submit=True, border=False):
            labels = {int(i): f"#{i} {d} {_kind(k)} {p}" for i, d, k, p in
                      zip(entries["id"], entries["date"], entries["kind"], entries["place"])}
            which = st.selectbox(_t("ledger_page.correct_which"), list(labels), format_func=labels.get, key="fix_act")
            void = st.toggle(_t("ledger_page.correct_void"), key="fix_act_void")
            day = st.date_input(_t("ledger_page.correct_date"), value=None, min_value=EARLIEST, max_value=TODAY,
                                format="YYYY-MM-DD", key="fix_act_date")
            place = st.text_input(_t("ledger_page.correct_place"), key="fix_act_place", max_chars=255)
            reached = st.number_input(_t("ledger_page.correct_people"), min_value=0, value=None, step=1,
                                      key="fix_act_people")
            note = st.text_area(_t("ledger_page.correct_note"), key="fix_act_note", max_chars=MAX_NOTE)
            if st.form_submit_button(_t("ledger_page.save"), key="fix_act_save"):
                fix = {"date": day, "place": place.strip() or None}
                if reached is not None:
                    fix["people_reached"] = reached
                _save(activities.correct_activity, which, note, void=void, message="ledger_page.corrected", **fix)
