"""与省名单比对 (officers): upload the province's list, see the five groups with their reasons,
download them as one workbook. The roles and the audit are core.db.work_reports'."""
import streamlit as st

from core.db import work_reports
from core.db.accounts import AccountError
from core.i18n import t
from core.reader import RosterReadError
from core.reconcile import GROUPS, shown, to_xlsx_bytes
from core.reference import districts
from core.reference_names import district_labels, shown as place
from pages._common import MAX_UPLOAD_MB, client_ip, content_hash, lang, plain, require_role, user_district

st.set_page_config(layout="wide")
user = require_role(*work_reports.RECONCILE_ROLES)
own = user_district(user)


def _t(key: str, **fmt) -> str:
    return t(f"reports.{key}", lang(), **fmt)


st.title(_t("page.reconcile_title"))
st.write(_t("page.reconcile_intro"))
if own:
    district = own
    st.caption(_t("page.own_district", district=plain(place(own, lang()))))
else:
    choices = [""] + list(districts()["name"])
    district = st.selectbox(_t("page.district"), choices, key="reconcile_district",
                            format_func={"": _t("page.whole_city"), **district_labels(lang())}.get) or None
# demo uploads' people are left out unless asked for, as on the dashboard and in the reports
include_demo = st.toggle(t("ui.dashboard.include_demo", lang()), value=False, key="reconcile_include_demo",
                         help=t("officer.demo.include_help", lang()))
uploaded = st.file_uploader(_t("page.upload_label"), type=["csv", "xlsx", "xls"], max_upload_size=MAX_UPLOAD_MB,
                            key="province_file", help=_t("page.upload_limit", mb=MAX_UPLOAD_MB))
if uploaded is None:
    st.info(_t("page.empty"))
    st.stop()

data = uploaded.getvalue()
key = (content_hash(data), district, lang(), include_demo)
kept = st.session_state.get("reconciled")
if kept is None or kept[0] != key:       # compared (and audited) once per file, district, language, demo switch
    try:
        with st.spinner(_t("page.comparing")):
            rec = work_reports.reconcile_file(data, uploaded.name, user, district, ip=client_ip(), lang=lang(),
                                              include_demo=include_demo)
    except RosterReadError as exc:
        st.error(_t("page.read_error", reason=plain(exc.text(lang()))), icon=":material/error:")
        st.stop()
    except AccountError as exc:
        st.error(plain(exc.text(lang())))
        st.stop()
    kept = (key, rec, {})
    st.session_state["reconciled"] = kept
_, rec, files = kept
s = rec.summary
st.success(_t("page.done", rows=f"{s['province_rows']:,}", people=f"{s['local_people']:,}"))
cols = st.columns(len(GROUPS))
for col, g in zip(cols, GROUPS):
    col.metric(_t(f"reconcile.summary.{g}"), f"{s[g]:,}")


def _xlsx() -> bytes:
    if "xlsx" not in files:
        files["xlsx"] = to_xlsx_bytes(rec, lang())
    return files["xlsx"]


stem = uploaded.name.rsplit(".", 1)[0] or "province"
st.download_button(_t("page.download_xlsx"), _xlsx, file_name=f"{stem}_{_t('page.result_suffix')}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   key="download_reconcile", on_click="ignore", icon=":material/download:")
tabs = st.tabs([f"{_t(f'reconcile.sheet.{g}')} ({s[g]:,})" for g in GROUPS])
for tab, g in zip(tabs, GROUPS):
    with tab:
        frame = rec.groups[g]
        if not len(frame):
            st.caption(_t("page.none_in_group"))
            continue
        st.dataframe(shown(frame, lang()), hide_index=True, width="stretch", key=f"group_{g}",
                     column_config={_t("reconcile.col.reason"): st.column_config.TextColumn(width="large")})
