"""Administrators: the audit log, and the upload history with withdrawal."""
import streamlit as st

from core.db import audit, uploads
from core.db.accounts import AccountError
from core.i18n import t
from pages._common import client_ip, done, lang, plain, require_role, show_notice
from pages._stored_tables import AUDIT_COLUMNS, UPLOAD_COLUMNS, stored_table

user = require_role("admin")
AUDIT_PAGE_SIZE = 500


def _t(key: str, **fmt) -> str:
    return t(f"db.{key}", lang(), **fmt)


st.title(_t("admin.audit_title"))
show_notice()
c1, c2 = st.columns(2)
action = c1.selectbox(_t("admin.audit_filter_action"), [""] + list(audit.ACTIONS),
                      format_func=lambda a: _t(f"audit_action.{a}") if a else _t("admin.all"))
actor = c2.text_input(_t("admin.audit_filter_actor"))
# the whole log, a page at a time (newest first)
filters = {"action": action or None, "actor": actor.strip() or None}
total = audit.count(**filters)
pages = max(1, -(-total // AUDIT_PAGE_SIZE))
page = int(st.number_input(_t("admin.audit_page"), min_value=1, max_value=pages, value=1, step=1, key="audit_page"))
log = audit.entries(limit=AUDIT_PAGE_SIZE, offset=(page - 1) * AUDIT_PAGE_SIZE, **filters)
st.caption(_t("admin.audit_page_of", total=f"{total:,}", page=page, pages=pages, size=AUDIT_PAGE_SIZE))
log["action"] = log["action"].map(lambda a: _t(f"audit_action.{a}"))   # a dozen distinct labels
st.dataframe(stored_table(log, AUDIT_COLUMNS), hide_index=True, width="stretch")

st.subheader(_t("admin.uploads_title"))
ups = uploads.list_uploads(user)
st.dataframe(stored_table(ups, UPLOAD_COLUMNS), hide_index=True, width="stretch")
active = ups.loc[ups["withdrawn_at"].isna(), "id"].tolist() if len(ups) else []
if active:
    with st.form("db_withdraw"):
        which = st.selectbox(_t("admin.upload_id"), active)
        reason = st.text_input(_t("admin.withdraw_reason"))
        if st.form_submit_button(_t("admin.withdraw")):
            try:
                uploads.withdraw_upload(int(which), user, reason, ip=client_ip())
            except AccountError as exc:
                st.error(plain(exc.text(lang())))
            else:
                done(_t("upload.withdrawn", upload_id=which))
