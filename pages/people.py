"""人员跟踪服务 (officers; leaders read): find a person by name or ID number, a district's people
with filters and their workbook, one person's record (stored rows, items paid, follow-up entries)
with new entries and corrections. Everything decided in core.db.people / people_list."""
import datetime as dt

import pandas as pd
import streamlit as st

from core.db import people, people_list
from core.db.accounts import AccountError
from core.i18n import t
from core.reference import districts
from core.reference_names import district_labels, shown, shown_column
from core.validate import readable
from pages._common import client_ip, done, lang, plain, require_role, show_notice, ui_text, user_district, user_role
from pages._stored_tables import shown_table

st.set_page_config(layout="wide")
user = require_role("admin", "city_officer", "district_officer", "leader")
own = user_district(user)
writer = user_role(user) in people.WRITERS
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SELECTED = "people_selected"


def _t(key: str, **fmt) -> str:
    return t(f"people.{key}", lang(), **fmt)


def _table(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Columns under their headers, text that cannot run in the table's CSV download."""
    out = frame[columns].copy()
    if "district" in out.columns:      # the stored Chinese name, shown in the page's language
        out["district"] = shown_column(out["district"], lang())
    out.columns = [_t(f"col.{c}") for c in columns]
    return shown_table(out)


def _minute(times: pd.Series) -> pd.Series:
    """Upload times to the minute, as text: the same upload reads the same here and on 本区进度."""
    return pd.to_datetime(times).dt.strftime("%Y-%m-%d %H:%M").fillna("")


def _choose(options: pd.DataFrame, key: str) -> None:
    """A person of ``options`` to show below (name and masked number)."""
    labels = {k: f"{n or ''} {m or ''}".strip() for k, n, m in
              zip(options["person_key"], options["name"], options["id_number_masked"])}
    picked = st.selectbox(_t("page.choose"), list(labels), index=None, format_func=labels.get, key=key,
                          placeholder=_t("page.choose_placeholder"))
    if picked is not None:
        st.session_state[SELECTED] = picked


def _refused(exc: AccountError) -> None:
    st.error(plain(exc.text(lang())))


def _value_label(kind: str, value: str) -> str:
    return _t("page.void_value") if kind == people.VOID else _t(f"{kind}.{value}")


CHOICES = [f"{k}:{v}" for k in people.KINDS for v in people.followup_codes()[k]]
KEEP, CANCEL = "", f"{people.VOID}:{people.VOID}"


def _choice_label(choice: str) -> str:
    """就业状态：在岗, 服务：岗位推送; the correction's 不变 and 作废."""
    if choice == KEEP:
        return _t("page.keep")
    kind, value = choice.split(":")
    if kind == people.VOID:
        return _t("page.void_value")
    return ui_text("common.pair", label=_t(f"kind.{kind}"), value=_t(f"{kind}.{value}"))


def _entry_forms(key: str, tl: pd.DataFrame) -> None:
    """A new entry, and a correction of an entry in force (forms that empty once saved)."""
    with st.expander(_t("page.add_title"), expanded=tl.empty, icon=":material/add:"):
        with st.form("entry_form", clear_on_submit=True, border=False):
            choice = st.selectbox(_t("page.entry_value"), CHOICES, format_func=_choice_label, key="entry_choice")
            day = st.date_input(_t("page.entry_date"), value=dt.date.today(), min_value=people.EARLIEST,
                                max_value=dt.date.today(), format="YYYY-MM-DD", key="entry_date")
            note = st.text_area(_t("page.entry_note"), key="entry_note", max_chars=people.MAX_NOTE)
            if st.form_submit_button(_t("page.save"), key="entry_save", type="primary"):
                kind, value = choice.split(":")
                try:
                    fid = people.add_followup(user, key, kind, value, day, note, ip=client_ip())
                except AccountError as exc:
                    _refused(exc)
                else:
                    done(_t("page.saved", id=fid))
    live = tl[tl["in_force"]] if len(tl) else tl
    if live.empty:
        return
    with st.expander(_t("page.correct_title"), icon=":material/edit_note:"):
        with st.form("fix_form", clear_on_submit=True, border=False):
            labels = {int(i): f"#{i} {d} {_value_label(k, v)}"
                      for i, d, k, v in zip(live["id"], live["date"], live["kind"], live["value"])}
            which = st.selectbox(_t("page.correct_which"), list(labels), format_func=labels.get, key="fix_which")
            choice = st.selectbox(_t("page.correct_kind"), [KEEP, *CHOICES, CANCEL], format_func=_choice_label,
                                  key="fix_choice")
            day = st.date_input(_t("page.correct_date"), value=None, min_value=people.EARLIEST,
                                max_value=dt.date.today(), format="YYYY-MM-DD", key="fix_date")
            note = st.text_area(_t("page.correct_note"), key="fix_note", max_chars=people.MAX_NOTE)
            if st.form_submit_button(_t("page.save"), key="fix_save"):
                kind, value = choice.split(":") if choice else (None, None)
                try:
                    fid = people.correct_followup(user, which, note, kind=kind, value=value, date=day,
                                                  ip=client_ip())
                except AccountError as exc:
                    _refused(exc)
                else:
                    done(_t("page.corrected", id=fid))

st.title(_t("page.title"))
st.caption(_t("page.intro"))
show_notice()
search_tab, list_tab = st.tabs([_t("page.search_tab"), _t("page.list_tab")], key="people_tab", on_change="rerun")

with search_tab:
    with st.form("people_search"):
        st.text_input(_t("page.query"), key="people_query", help=_t("page.query_help"))
        st.form_submit_button(_t("page.search"), icon=":material/search:")
    query = st.session_state.get("people_query", "")
    if query.strip():
        found = people.find_people(user, query)
        if found.empty:
            st.info(_t("page.none_found"))
        else:
            st.caption(_t("page.found", n=len(found)))
            found = found.assign(last_upload=_minute(found["last_upload"]))
            st.dataframe(_table(found.rename(columns={"name": "person"}),
                                ["person", "id_number_masked", "district", "rows", "last_upload"]),
                         hide_index=True, width="stretch", key="people_found")
            _choose(found, "people_pick_found")

with list_tab:
    names = list(districts()["name"])
    if own:
        district = own
        st.caption(ui_text("common.pair", label=_t("page.district"), value=plain(shown(own, lang()))))
    else:
        labels = {"": _t("city"), **district_labels(lang())}
        district = st.selectbox(_t("page.district"), [""] + names, format_func=labels.get,
                                key="people_district") or None
    statuses = ["", people_list.NO_STATUS, *people.followup_codes()["status"]]
    c1, c2 = st.columns(2)
    # labels made in this run's language (a dict, not a function that asks for the language later)
    status_words = {s: _t("page.any_status") if not s else _t("page.no_status") if s == people_list.NO_STATUS
                    else _t(f"status.{s}") for s in statuses}
    status = c1.selectbox(_t("page.status_filter"), statuses, key="people_status", format_func=status_words.get)
    quiet = c2.number_input(_t("page.quiet_days"), min_value=0, max_value=people_list.MAX_QUIET_DAYS, value=0,
                            step=1, key="people_quiet")
    unpaid = st.toggle(_t("page.unpaid_only"), key="people_unpaid")
    listed = people_list.people_list(user, district, status or None, int(quiet), unpaid)
    st.caption(_t("page.listed", n=len(listed)))
    if len(listed):
        listed_table = people_list.display(listed, lang())
        district_col = _t("col.district")
        listed_table[district_col] = shown_column(listed_table[district_col], lang())   # the screen only
        st.dataframe(shown_table(listed_table), hide_index=True, width="stretch",
                     key="people_listed")
        st.download_button(_t("page.export"), lambda: people_list.people_xlsx(listed, district, lang()),
                           file_name=f"people-{district or 'city'}-{dt.date.today().isoformat()}.xlsx", mime=XLSX,
                           key="people_export", on_click="ignore", icon=":material/download:")
        _choose(listed, "people_pick_listed")

key = st.session_state.get(SELECTED)
if key:
    try:
        rec = people.person_record(user, key)
    except AccountError as exc:           # e.g. the upload was withdrawn meanwhile
        _refused(exc)
        st.stop()
    st.divider()
    st.subheader(_t("page.record_title", name=plain(rec.name or ""), masked=plain(rec.id_number_masked or "")))
    st.caption(_t("page.record_caption", district=plain(shown(rec.district, lang()) or _t("page.none")),
                  status=_t(f"status.{rec.status}") if rec.status else _t("page.none"),
                  last=rec.last_followup.isoformat() if rec.last_followup else _t("page.none")))
    timeline_tab, rows_tab, paid_tab = st.tabs([_t("page.timeline"), _t("page.rows"), _t("page.paid")],
                                               key="people_record_tab")
    with rows_tab:
        rows = rec.rows.assign(errors=readable(rec.rows["errors"].fillna(""), lang()),
                               valid=rec.rows["valid"].map(lambda v: _t("word_yes") if v else _t("word_no")),
                               uploaded_at=_minute(rec.rows["uploaded_at"]))
        st.dataframe(_table(rows.rename(columns={"work_district": "district", "name": "person"}),
                            ["upload_id", "row", "uploaded_at", "person", "district", "employer",
                             "first_employment_date", "year", "valid", "errors", "total_to_worker"]),
                     hide_index=True, width="stretch", key="people_rows")
    with paid_tab:
        if rec.paid.empty:
            st.info(_t("page.no_rows_paid"))
        else:
            paid = rec.paid.assign(item=rec.paid["item"].map(lambda i: t(f"rules.item_title.{i}", lang())))
            st.dataframe(_table(paid, ["item", "months", "amount", "upload_id", "row"]), hide_index=True,
                         width="stretch", key="people_paid")
    with timeline_tab:
        tl = rec.timeline
        if tl.empty:
            st.info(_t("page.no_timeline"))
        else:
            shown = tl.assign(value=[_value_label(k, v) for k, v in zip(tl["kind"], tl["value"])],
                              kind=tl["kind"].map(lambda k: _t(f"kind.{k}")),
                              in_force=tl["in_force"].map(lambda v: _t("word_yes") if v else _t("page.invalid")),
                              corrects_id=tl["corrects_id"].astype("Int64"))
            st.dataframe(_table(shown, ["id", "date", "kind", "value", "note", "officer", "corrects_id", "in_force"]),
                         hide_index=True, width="stretch", key="people_timeline")
        if not writer:
            st.info(_t("page.read_only"))
        else:
            _entry_forms(key, tl)
