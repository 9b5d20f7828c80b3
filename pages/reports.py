"""统计报表与工作通报: the monthly statistics table of a district or the city (every role; a
district officer's own district), and the bulletin ranking the districts (city officers, leaders,
administrators). The roles and the audit are core.db.work_reports'."""
import datetime as dt
import json

import streamlit as st

from core.db import work_reports
from core.db.accounts import AccountError
from core.i18n import t
from core.reference import districts, policy
from core.reference_names import district_labels, shown, shown_column
from core.report import report_tables, to_xlsx_bytes
from pages._common import client_ip, lang, plain, require_role, user_district, user_role

user = require_role(*work_reports.REPORT_ROLES)
own = user_district(user)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _t(key: str, **fmt) -> str:
    return t(f"reports.{key}", lang(), **fmt)


st.title(_t("page.reports_title"))
st.write(_t("page.reports_intro"))
today = dt.date.today()
c1, c2, c3 = st.columns(3)
year = int(c1.number_input(_t("page.year"), min_value=policy().start.year, max_value=2100,
                           value=min(today.year, policy().end.year), key="report_year"))
month = int(c2.selectbox(_t("page.month"), list(range(1, 13)), index=today.month - 1, key="report_month"))
if own:
    district = own
    c3.caption(_t("page.report_district", district=plain(shown(own, lang()))))
else:
    district = c3.selectbox(_t("page.district"), [""] + list(districts()["name"]), key="report_district",
                            format_func={"": _t("page.whole_city"), **district_labels(lang())}.get) or None

if st.button(_t("page.make_report"), key="make_report", icon=":material/table_chart:", type="primary"):
    try:
        report = work_reports.monthly_report(year, month, user, district, ip=client_ip(), lang=lang())
    except AccountError as exc:
        st.error(plain(exc.text(lang())))
        st.stop()
    st.session_state["report"] = (lang(), report, to_xlsx_bytes(report, lang()))

kept = st.session_state.get("report")
if kept is not None:
    _, report, xlsx = kept
    st.subheader(_t("page.report_for", unit=plain(shown(report["unit"], lang())), year=report["year"], month=report["month"]))
    for name, frame in report_tables(report, lang()).items():
        if name == "districts":      # the districts named in the page's language (the workbook as before)
            column = t("reports.report.col.district", lang())
            frame[column] = shown_column(frame[column], lang())
        st.markdown(f"**{_t(f'page.table.{name}')}**")
        st.dataframe(frame, hide_index=True, width="stretch", key=f"report_{name}")
        if name == "items":     # people and money are counted by different months: said where both show
            st.caption(_t("page.items_note"))
    d1, d2 = st.columns(2)
    stem = f"{report['unit']}_{report['year']}-{report['month']:02d}"
    d1.download_button(_t("page.download_report_xlsx"), xlsx, file_name=f"{stem}.xlsx", mime=XLSX,
                       key="download_report_xlsx", on_click="ignore", icon=":material/download:", width="stretch")
    d2.download_button(_t("page.download_report_json"), json.dumps(report, ensure_ascii=False, indent=1),
                       file_name=f"{stem}.json", mime="application/json", key="download_report_json",
                       on_click="ignore", icon=":material/download:", width="stretch")

if user_role(user) in work_reports.BULLETIN_ROLES:
    st.subheader(_t("page.bulletin_title"))
    st.caption(_t("page.bulletin_help"))
    b1, b2 = st.columns(2)
    upto = int(b1.selectbox(_t("page.bulletin_month"), list(range(1, 13)), index=month - 1, key="bulletin_month"))
    if b2.button(_t("page.make_bulletin"), key="make_bulletin", icon=":material/description:"):
        try:
            with st.spinner(_t("page.make_bulletin")):
                docx = work_reports.bulletin(year, upto, user, ip=client_ip(), lang=lang())
        except AccountError as exc:
            st.error(plain(exc.text(lang())))
            st.stop()
        st.session_state["bulletin"] = (year, upto, docx)
    made = st.session_state.get("bulletin")
    if made is not None:
        st.download_button(_t("page.download_bulletin"), made[2], file_name=f"{made[0]}-{made[1]:02d}.docx",
                           mime=DOCX, key="download_bulletin", on_click="ignore", icon=":material/download:")
