"""工作台帐 (officers; leaders read): the cooperation activities of the districts with filters and
their workbook, new entries (a fair links its record) and corrections. Everything decided in
core.db.activities."""
import datetime as dt

import pandas as pd
import streamlit as st

from core.cells import neutralise
from core.db import activities, events
from core.db.accounts import AccountError
from core.db.people import EARLIEST, MAX_NOTE, WRITERS
from core.i18n import t
from core.reference import districts
from pages._common import client_ip, done, lang, plain, require_role, show_notice, ui_text, user_district, user_role

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


st.title(_t("ledger_page.title"))
st.caption(_t("ledger_page.intro"))
show_notice()

kinds = st.multiselect(_t("ledger_page.kinds"), KINDS, format_func=_kind, key="ledger_kinds")
c1, c2, c3 = st.columns(3)
if own:
    district = own
    c1.caption(ui_text("common.pair", label=_t("ledger_page.district"), value=plain(own)))
else:
    district = c1.selectbox(_t("ledger_page.district"), [""] + NAMES, format_func=lambda d: d or _t("city"),
                            key="ledger_district") or None
start = c2.date_input(_t("ledger_page.start"), value=None, min_value=EARLIEST, max_value=TODAY, format="YYYY-MM-DD",
                      key="ledger_start")
end = c3.date_input(_t("ledger_page.end"), value=None, min_value=EARLIEST, max_value=TODAY, format="YYYY-MM-DD",
                    key="ledger_end")
try:
    ledger = activities.activities_frame(user, kinds, district, start, end)
except AccountError as exc:
    _refused(exc)
    ledger = None
if ledger is not None:
    if ledger.empty:
        st.info(_t("ledger_page.none"))
    else:
        st.caption(_t("ledger_page.listed", n=len(ledger)))
        st.dataframe(neutralise(activities.display(ledger, lang())), hide_index=True, width="stretch",
                     key="ledger_table")
        st.download_button(_t("ledger_page.export"), lambda: activities.ledger_xlsx(ledger, lang()),
                           file_name=f"work-ledger-{TODAY.isoformat()}.xlsx", mime=XLSX, key="ledger_export",
                           on_click="ignore", icon=":material/download:")

if not writer:
    st.info(_t("ledger_page.read_only"))
    st.stop()

with st.expander(_t("ledger_page.add_title"), icon=":material/add:", expanded=ledger is not None and ledger.empty):
    kind = st.selectbox(_t("ledger_page.kind"), KINDS, format_func=_kind, key="act_kind")
    if own:
        where = own
    else:
        where = st.selectbox(_t("ledger_page.district"), NAMES, key="act_district")
    if kind == activities.FAIR:
        fairs = events.fairs_frame().drop_duplicates("fair_id")
        fairs = fairs[fairs["district"] == where]
        if fairs.empty:
            st.info(_t("ledger_page.no_fairs"))
        labels = {int(r.fair_id): _t("ledger_page.fair_label", id=r.fair_id, date=pd.Timestamp(r.date).date(),
                                     venue=r.venue) for r in fairs.itertuples()}
        fair_id = st.selectbox(_t("ledger_page.fair"), list(labels), format_func=labels.get, key="act_fair")
        day, place = None, ""
    else:
        fair_id = None
        day = st.date_input(_t("ledger_page.date"), value=TODAY, min_value=EARLIEST, max_value=TODAY,
                            format="YYYY-MM-DD", key="act_date")
        place = st.text_input(_t("ledger_page.place"), key="act_place", max_chars=255)
    reached = st.number_input(_t("ledger_page.people_reached"), min_value=0, value=None, step=1, key="act_people")
    note = st.text_area(_t("ledger_page.note"), key="act_note", max_chars=MAX_NOTE)
    if st.button(_t("ledger_page.save"), key="act_save", type="primary"):
        try:
            aid = activities.add_activity(user, kind, day, where, place, reached, note, fair_id=fair_id,
                                          ip=client_ip())
        except AccountError as exc:
            _refused(exc)
        else:
            done(_t("ledger_page.saved", id=aid), ("act_place", "act_people", "act_note"))

entries = ledger[ledger["id"].notna()] if ledger is not None else pd.DataFrame()
if len(entries):
    with st.expander(_t("ledger_page.correct_title"), icon=":material/edit_note:"):
        labels = {int(i): f"#{i} {d} {_kind(k)} {p}" for i, d, k, p in
                  zip(entries["id"], entries["date"], entries["kind"], entries["place"])}
        which = st.selectbox(_t("ledger_page.correct_which"), list(labels), format_func=labels.get, key="fix_act")
        old = entries.set_index("id").loc[which]
        void = st.toggle(_t("ledger_page.correct_void"), key="fix_act_void")
        fix = {}
        if not void and old["kind"] != activities.FAIR:
            fix["date"] = st.date_input(_t("ledger_page.date"), value=old["date"], min_value=EARLIEST,
                                        max_value=TODAY, format="YYYY-MM-DD", key=f"fix_act_date_{which}")
            fix["place"] = st.text_input(_t("ledger_page.place"), value=old["place"], key=f"fix_act_place_{which}",
                                         max_chars=255)
        if not void:
            was = None if pd.isna(old["people_reached"]) else int(old["people_reached"])
            fix["people_reached"] = st.number_input(_t("ledger_page.people_reached"), min_value=0, value=was, step=1,
                                                    key=f"fix_act_people_{which}")
        fix_note = st.text_area(_t("ledger_page.correct_note"), key="fix_act_note", max_chars=MAX_NOTE)
        if st.button(_t("ledger_page.save"), key="fix_act_save"):
            try:
                aid = activities.correct_activity(user, which, fix_note, void=void, ip=client_ip(), **fix)
            except AccountError as exc:
                _refused(exc)
            else:
                done(_t("ledger_page.corrected", id=aid), ("fix_act_note", "fix_act_void"))
