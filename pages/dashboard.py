"""进度看板 (leadership): progress against the targets, by district, by month, subsidy amounts,
recruitment fairs and the pairing table. Works on an uploaded roster or on the synthetic demo
dataset (labelled 示例数据 on every chart) until stored data exists."""
import streamlit as st

from core import charts
from core.i18n import join_enum
from core.demo import demo_fairs, demo_result
from core.progress import amounts_by_district, monthly_new_hires, progress
from pages._common import (
    MAX_UPLOAD_MB, lang, load_roster, officer_text, plain, require_role, stored_fairs, stored_rows,
    ui_text, year_targets,
)
from pages._registry import DASHBOARD_ROLES
from pages._dashboard_data import FairsReadError, default_year, read_fairs, rows_of_year, year_options

st.set_page_config(layout="wide")
user = require_role(*DASHBOARD_ROLES)
st.title(ui_text("dashboard.title"))

stored = stored_rows(user)
sources = (("stored",) if stored is not None else ()) + ("demo", "upload")
source_words = {v: ui_text(f"dashboard.source_{v}") for v in sources}
source = st.segmented_control(ui_text("dashboard.source"), sources, default=sources[0], key="dash_source",
                              format_func=source_words.get, required=True)
demo = source == "demo"
fairs = stored_fairs()
if source == "stored":
    # `python -m core demo` rows and events are left out unless asked for, as on the command line
    # (`progress --from-db [--include-demo]`, core.db.stored_progress: the same figures)
    from core.db.stored_progress import is_demo, without_demo

    demo_rows = int(is_demo(stored).sum())
    include_demo = demo_rows > 0 and st.toggle(ui_text("dashboard.include_demo"), value=False, key="dash_include_demo",
                                               help=officer_text("demo.include_help"))
    if demo_rows and not include_demo:
        st.caption(officer_text("demo.excluded", rows=f"{demo_rows:,}"))
    frame = without_demo(stored, include_demo)
    fairs = without_demo(fairs, include_demo)
    if not len(frame):
        st.info(officer_text("demo.only_demo"), icon=":material/science:")
        st.stop()
    demo = bool(is_demo(frame).any())
    if demo:
        st.warning(ui_text("dashboard.stored_demo_banner"), icon=":material/science:")
    summary = {"valid": int(frame["valid"].sum()), "errors": int((~frame["valid"]).sum())}
elif demo:
    st.warning(ui_text("dashboard.demo_banner"), icon=":material/science:")
    result = demo_result()
    frame, summary = result.frame, result.summary
    fairs = demo_fairs()
else:
    up1, up2 = st.columns(2)
    uploaded = up1.file_uploader(ui_text("dashboard.upload_label"), type=["csv", "xlsx", "xls"],
                                 max_upload_size=MAX_UPLOAD_MB, key="dash_file",
                                 help=ui_text("dashboard.upload_limit", mb=MAX_UPLOAD_MB))
    fairs_file = up2.file_uploader(ui_text("dashboard.fairs_upload_label"), type=["csv", "xlsx", "xls"],
                                   max_upload_size=MAX_UPLOAD_MB, key="dash_fairs")
    if fairs_file is not None:
        try:
            fairs = read_fairs(fairs_file.getvalue(), fairs_file.name)
        except FairsReadError as exc:
            st.error(ui_text("dashboard.fairs_read_error", reason=plain(str(exc))))
            fairs = None     # not the stored fairs in its place: the officer sent a file
        else:
            if fairs.attrs.get("unread_rows"):
                st.warning(ui_text("dashboard.fairs_unread_rows", rows=join_enum(map(str, fairs.attrs["unread_rows"]), lang())))
    if uploaded is None:
        st.info(ui_text("dashboard.no_data"))
        st.stop()
    loaded = load_roster(uploaded, "dashboard_loaded")
    if loaded.error:
        st.error(ui_text("roster.read_error", reason=plain(loaded.error)), icon=":material/error:")
        st.stop()
    frame, summary = loaded.result.frame, loaded.result.summary

years = year_options(frame)
if not years:
    st.info(ui_text("dashboard.no_valid_rows"))
    st.stop()
year = st.selectbox(ui_text("dashboard.year"), years, index=years.index(default_year(years)), key="dash_year")
st.caption(ui_text("dashboard.rows_note", valid=f"{summary['valid']:,}", errors=f"{summary['errors']:,}"))

prog = progress(frame, year, year_targets(year))
lang_code = lang()

st.subheader(ui_text("dashboard.targets_title"))
cols = st.columns(4)
for col, measure in zip(cols, charts.MEASURES):
    actual = prog["city"][measure]
    target = prog["targets"].get(measure)
    col.metric(ui_text(f"chart.measure_short.{measure}"), ui_text("dashboard.people", n=f"{actual:,}"),
               delta=ui_text("dashboard.reached", pct=f"{100 * actual / target:.1f}") if target else ui_text("dashboard.no_target"),
               help=ui_text("dashboard.of_target", target=f"{target:,}", pct=f"{100 * actual / target:.1f}") if target else None,
               delta_color="off", delta_arrow="off", border=True)
st.altair_chart(charts.target_chart(prog, demo, lang_code), theme=None, width="stretch")

left, right = st.columns(2)
with left:
    st.altair_chart(charts.district_chart(prog, demo, lang_code), theme=None, width="stretch")
with right:
    st.altair_chart(charts.cumulative_chart(monthly_new_hires(frame, year), prog["targets"].get("total"), year,
                                            demo, lang_code), theme=None, width="stretch")

left, right = st.columns(2)
with left:
    st.altair_chart(charts.amounts_chart(amounts_by_district(rows_of_year(frame, year)), demo, lang_code, year=year),
                    theme=None, width="stretch")
with right:
    if fairs is None:
        st.info(ui_text("dashboard.fairs_no_data_stored" if source == "stored" else "dashboard.fairs_no_data"))
    else:
        table = charts.fairs_table(fairs, year, lang_code)
        missing = table.loc[table["none"], "district_label"].tolist()
        if missing:
            st.error(ui_text("dashboard.fairs_missing", year=year, names=join_enum(missing, lang_code)), icon=":material/warning:")
        else:
            st.success(ui_text("dashboard.fairs_all", year=year))
        st.altair_chart(charts.fairs_chart(fairs, year, demo, lang_code), theme=None, width="stretch")

st.subheader(ui_text("dashboard.pairing_title"))
st.dataframe(charts.pairing_table(lang_code), hide_index=True, width="content", key="pairing_table")
