"""名单核验 (officers): template, upload, summary, result table with filter and search, errors by
row, downloads. The file is read once per content hash (pages/_common.load_roster)."""
from datetime import date

import streamlit as st

from core import reference
from core.output import item_total
from pages._common import (
    MAX_UPLOAD_MB, can_store, lang, store_roster, load_roster, money, officer_text, require_role, result_file,
    plain, plain_frame, result_filename, template_file, ui_text, user_district,
)
from pages._registry import ROSTER_ROLES
from pages._roster_tables import amount_columns, error_list, row_filter, summary_table
from pages._self_check_form import format_day
from pages._session import keep_unsaved, restore_unsaved

st.set_page_config(layout="wide")
ERRORS_IN_FULL = 200     # error lists up to this long are shown whole (wrapping); longer ones scroll
TABLE_HEIGHT = 640       # pixels: some 17 rows at once on a laptop
TABLE_ROWS = 17
user = require_role(*ROSTER_ROLES)
district = user_district(user)

st.title(ui_text("roster.title"))
st.write(ui_text("roster.intro"))

st.subheader(ui_text("roster.template_title"))
st.caption(ui_text("roster.template_help"))
left, right = st.columns(2)
for column, fmt, mime in ((left, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                          (right, "csv", "text/csv")):
    data, name = template_file(fmt)
    column.download_button(ui_text(f"roster.template_{fmt}"), data, file_name=name, mime=mime,
                           key=f"template_{fmt}", on_click="ignore", icon=":material/download:",
                           width="stretch")

st.subheader(ui_text("roster.upload_title"))
# the day of the check (RULES.md: due and payable): today unless the officer chooses another day
restore_unsaved()       # after a reload: the unsaved roster of this session and its day of the check
st.session_state.setdefault("as_of", date.today())
_policies = reference.policies()       # the first day of the first policy, the last claim deadline
st.date_input(ui_text("roster.as_of"), key="as_of", min_value=_policies[0].start, max_value=date.today(),
              help=ui_text("roster.as_of_help", deadline=format_day(_policies[-1]["claim_deadline"])),
              format="YYYY-MM-DD")
uploaded = st.file_uploader(ui_text("roster.upload_label"), type=["csv", "xlsx", "xls"],
                            max_upload_size=MAX_UPLOAD_MB, key="roster_file")
uploaded = keep_unsaved(uploaded)     # kept for this session until saved (pages/_session.py)
st.caption(ui_text("roster.upload_limit", mb=MAX_UPLOAD_MB))     # said once, under the uploader
if uploaded is None:
    st.info(ui_text("roster.empty"))
    st.stop()

loaded = load_roster(uploaded, "roster_loaded", district, user)
if loaded.error:
    st.error(ui_text("roster.read_error", reason=plain(loaded.error)), icon=":material/error:")
    st.stop()

st.success(ui_text("roster.done", rows=f"{loaded.result.summary['rows']:,}", seconds=f"{loaded.seconds:.1f}"))
result = loaded.result
summary = result.summary
if district:
    st.caption(ui_text("roster.district_note", district=plain(district)))
if summary.get("flagged"):     # rows whose items an earlier upload already paid (shown at 0)
    st.warning(ui_text("roster.flagged", n=f"{summary['flagged']:,}"), icon=":material/info:")

st.subheader(ui_text("roster.summary_title"))
if summary.get("claim_closed"):
    st.warning(ui_text("roster.claim_closed", as_of=summary["as_of"], deadline=summary["claim_deadline"]),
               icon=":material/event_busy:")
c1, c2, c3, c4 = st.columns(4)
c1.metric(ui_text("roster.rows"), f"{summary['rows']:,}")
c2.metric(ui_text("roster.valid"), f"{summary['valid']:,}")
c3.metric(ui_text("roster.errors"), f"{summary['errors']:,}")
c4.metric(ui_text("roster.blank"), f"{summary.get('blank_rows', 0):,}")
t1, t2 = st.columns(2)
t1.metric(ui_text("roster.total"), money(summary["total_to_worker"]))
t2.metric(ui_text("roster.total_payable"), money(summary.get("total_payable_to_worker", summary["total_to_worker"])))
st.markdown(f"**{ui_text('roster.amounts_title')}**")
st.dataframe(summary_table(summary), hide_index=True, width="stretch", key="amounts_table",
             column_config={ui_text("summary.amount"): st.column_config.TextColumn(alignment="right")})
if any(item_total(summary, item) is None for item in summary.get("amounts", {})):
    st.caption(ui_text("summary.no_standard_note"))

st.subheader(ui_text("roster.table_title"))
f1, f2 = st.columns([1, 2], vertical_alignment="bottom")
errors_only = f1.toggle(ui_text("roster.filter_errors"), key="errors_only")
query = f2.text_input(ui_text("roster.search"), key="roster_search",
                      placeholder=ui_text("roster.search_placeholder"))
keep = row_filter(result.frame, errors_only, query)
table = loaded.table[keep]
st.caption(ui_text("roster.shown", shown=f"{len(table):,}", total=f"{len(loaded.table):,}"))
# tall enough for some 17 rows at once; a shorter result takes only its own height
st.dataframe(table, hide_index=True, width="stretch", height=TABLE_HEIGHT if len(table) > TABLE_ROWS else "auto",
             key="result_table",
             column_config={ui_text("table.errors"): st.column_config.TextColumn(width="large"),
                            ui_text("table.reason"): st.column_config.TextColumn(width="large"),
                            # 10,500 like the totals above, the numbers unchanged for sorting
                            **{name: st.column_config.NumberColumn(format="localized")
                               for name in amount_columns(table)}})

errors = error_list(result.frame)     # errors of whole rows and of single items
if len(errors):
    with st.expander(ui_text("roster.errors_title", n=f"{len(errors):,}"), expanded=len(errors) <= 20):
        if len(errors) <= ERRORS_IN_FULL:    # a table that wraps: every message read whole, phones too
            # the row numbers always shown: consecutive ones (3, 4) would pass for a row counter
            st.table(plain_frame(errors).set_index(errors.columns[0]), hide_index=False)
        else:
            st.dataframe(errors, hide_index=True, width="stretch", key="error_table",
                         column_config={ui_text("table.errors"): st.column_config.TextColumn(width="large")})

# saving comes after the result it saves, and only when there is something to save
if can_store(user):
    st.subheader(officer_text("store_title"))
    if loaded.stored:
        st.info(plain(loaded.stored), icon=":material/database:")
    elif not summary["valid"]:
        st.info(officer_text("store_nothing_valid"), icon=":material/block:")
    elif st.button(ui_text("roster.store"), key="store_upload", icon=":material/database:", type="primary",
                   help=ui_text("roster.store_help")):
        from core.db.accounts import AccountError

        try:
            with st.spinner(ui_text("roster.storing")):    # a large file takes some seconds
                store_roster(loaded, user)
        except AccountError as exc:      # e.g. the account was disabled meanwhile: one sentence
            st.error(plain(exc.text(lang())))
        st.rerun()

st.subheader(ui_text("roster.download_title"))
d1, d2 = st.columns(2)
d1.download_button(ui_text("roster.download_xlsx"), lambda: result_file(loaded, "xlsx"),
                   file_name=result_filename(loaded.filename, "xlsx"),
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   key="download_xlsx", on_click="ignore", icon=":material/download:", width="stretch", type="primary")
d2.download_button(ui_text("roster.download_csv"), lambda: result_file(loaded, "csv"),
                   file_name=result_filename(loaded.filename, "csv"), mime="text/csv",
                   key="download_csv", on_click="ignore", icon=":material/download:", width="stretch")
