"""本区进度 (district officers): their own district's progress from the stored rosters they may
see (core.db.uploads.load_rows scopes them), demo rows left out unless asked for, the month by
month chart; and their own uploads, each of which they can withdraw (audited, with a reason;
its ledger payments become inactive, core.db.uploads.withdraw_upload)."""
import streamlit as st

from core import charts
from core.db import uploads
from core.db.accounts import AccountError
from core.db.stored_progress import is_demo, without_demo
from core.progress import monthly_new_hires, progress
from core.reference_names import shown as place
from pages._common import (
    client_ip, done, lang, officer_text, plain, require_role, show_notice, stored_rows, ui_text, user_district,
)
from pages._dashboard_data import default_year, year_options
from pages._stored_tables import UPLOAD_COLUMNS, stored_table

user = require_role("district_officer")
district = user_district(user)
st.title(officer_text("district_progress.title"))
show_notice()


def district_progress() -> None:
    stored = stored_rows(user)
    if stored is None:
        st.info(officer_text("district_progress.no_rows"))
        return
    demo_rows = int(is_demo(stored).sum())
    include_demo = demo_rows > 0 and st.toggle(ui_text("dashboard.include_demo"), value=False,
                                               key="district_include_demo", help=officer_text("demo.include_help"))
    if demo_rows and not include_demo:
        st.caption(officer_text("demo.excluded", rows=f"{demo_rows:,}"))
    frame = without_demo(stored, include_demo)
    years = year_options(frame)
    if not years:
        st.info(officer_text("district_progress.no_valid"))
        return
    demo = bool(is_demo(frame).any())
    if demo:
        st.warning(ui_text("dashboard.stored_demo_banner"), icon=":material/science:")
    year = st.selectbox(officer_text("district_progress.year"), years, index=years.index(default_year(years)),
                        key="district_year")
    st.caption(officer_text("district_progress.caption", district=plain(place(district, lang()))))
    mine = progress(frame, year)["by_district"].get(district, {})
    for col, measure in zip(st.columns(4), charts.MEASURES):
        label = officer_text("district_progress.total") if measure == "total" else ui_text(f"chart.measure_short.{measure}")
        col.metric(label, ui_text("dashboard.people", n=f"{mine.get(measure, 0):,}"), border=True,
                   help=officer_text("district_progress.total_help") if measure == "total" else None)
    own = frame[(frame["work_district"] == district).fillna(False).to_numpy(dtype=bool)]
    st.altair_chart(charts.cumulative_chart(monthly_new_hires(own, year), None, year, demo, lang()),
                    theme=None, width="stretch")


def my_uploads() -> None:
    st.subheader(officer_text("my_uploads.title"))
    st.caption(officer_text("my_uploads.intro"))
    ups = uploads.list_uploads(user)
    ups = ups[ups["username"] == user.name] if len(ups) else ups
    if not len(ups):
        st.info(officer_text("my_uploads.none"))
        return
    st.dataframe(stored_table(ups, UPLOAD_COLUMNS), hide_index=True, width="stretch", key="my_uploads")
    active = ups[ups["withdrawn_at"].isna()]
    if not len(active):
        st.caption(officer_text("my_uploads.none_active"))
        return
    labels = {int(r.id): officer_text("my_uploads.option", upload_id=int(r.id), filename=r.filename,
                                      at=r.uploaded_at.strftime("%Y-%m-%d %H:%M"), rows=f"{int(r.rows):,}")
              for r in active.itertuples()}
    with st.form("my_withdraw"):
        which = st.selectbox(officer_text("my_uploads.which"), list(labels), format_func=labels.get,
                             key="my_withdraw_which")
        reason = st.text_input(officer_text("my_uploads.reason"), key="my_withdraw_reason",
                               placeholder=officer_text("my_uploads.reason_placeholder"))
        if st.form_submit_button(officer_text("my_uploads.submit"), type="primary"):
            if not (reason or "").strip():
                st.error(officer_text("my_uploads.reason_missing"))
                return
            try:
                uploads.withdraw_upload(int(which), user, reason, ip=client_ip())
            except AccountError as exc:
                st.error(plain(exc.text(lang())))
            else:
                done(officer_text("my_uploads.withdrawn", upload_id=which), clear=("my_withdraw_reason",))


district_progress()
my_uploads()
