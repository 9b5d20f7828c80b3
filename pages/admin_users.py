"""Administrators: accounts (add, list, disable, re-enable, reset a password to a one-time one)."""
import pandas as pd
import streamlit as st

from core.cells import neutralise
from core.db import accounts
from core.i18n import t
from pages._common import done, lang, plain, require_role, show_notice

user = require_role("admin")


def _t(key: str, **fmt) -> str:
    return t(f"db.{key}", lang(), **fmt)


def _a(key: str, **fmt) -> str:
    return t(f"account.{key}", lang(), **fmt)


st.title(_t("admin.users_title"))
show_notice()
people = accounts.list_users()
st.dataframe(neutralise(pd.DataFrame({
    _t("admin.name"): [u.name for u in people],
    _t("admin.role"): [_t(f"role.{u.role}") for u in people],
    _t("admin.district"): [u.district or "" for u in people],
    _t("admin.active"): [u.active for u in people],
    t("account.must_change_column", lang()): [u.must_change_password for u in people],
    _t("admin.created_at"): [u.created_at for u in people],
    _t("admin.created_by"): [u.created_by or "" for u in people],
})), hide_index=True, width="stretch")     # neutralise: the table's CSV download cannot run formulas

from core.reference import districts  # noqa: E402

st.subheader(_t("admin.add_user"))
FIELDS = ("au_name", "au_role", "au_district", "au_pw1", "au_pw2")
# the form keeps what was typed when the account is refused (a missing district, a weak
# password), and starts empty again once it is made
with st.form("db_add_user"):
    name = st.text_input(_t("admin.name"), key="au_name")
    role = st.selectbox(_t("admin.role"), accounts.ROLES, format_func=lambda r: _t(f"role.{r}"),
                        index=accounts.ROLES.index("district_officer"), key="au_role")
    district = st.selectbox(_t("admin.district"), list(districts()["name"]), key="au_district", index=None,
                            placeholder=_t("admin.no_district"))
    pw1 = st.text_input(_t("login.password"), type="password", key="au_pw1")
    pw2 = st.text_input(_t("login.password_again"), type="password", key="au_pw2")
    if st.form_submit_button(_t("admin.add")):
        if pw1 != pw2:
            st.error(_t("account.passwords_differ"))
        else:
            try:
                accounts.add_user(name, pw1, role, district or None, actor=getattr(user, "name", None))
            except accounts.AccountError as exc:
                st.error(plain(exc.text(lang())))
            else:
                done(_t("cli.user_added", name=name.strip(), role=_t(f"role.{role}")), FIELDS)

active = [u.name for u in people if u.active and u.name != getattr(user, "name", None)]
if active:
    st.subheader(_t("admin.disable_user"))
    with st.form("db_disable_user"):
        who = st.selectbox(_t("admin.name"), active)
        if st.form_submit_button(_t("admin.disable")):
            accounts.disable_user(who, actor=getattr(user, "name", None))
            done(_t("cli.user_disabled", name=who))

# a forgotten password: a one-time password, shown here once, that the user must change at the
# next sign-in; the account's sessions end (core.db.accounts.reset_password, audited)
others = [u.name for u in people if u.active and u.name != getattr(user, "name", None)]
if others:
    st.subheader(_a("reset_title"))
    st.caption(_a("reset_hint"))
    with st.form("db_reset_password"):
        who = st.selectbox(_t("admin.name"), others, key="reset_who")
        if st.form_submit_button(_a("reset_submit")):
            temporary = accounts.reset_password(who, actor=getattr(user, "name", None))
            # shown once, not kept in the page's state beyond this run
            st.success(_a("reset_done", name=plain(who), password=f"`{temporary}`"), icon=":material/key:")

disabled = [u.name for u in people if not u.active]
st.subheader(_a("enable_title"))
if not disabled:
    st.caption(_a("nobody_disabled"))
else:
    with st.form("db_enable_user"):
        who = st.selectbox(_t("admin.name"), disabled, key="enable_who")
        if st.form_submit_button(_a("enable_submit")):
            accounts.enable_user(who, actor=getattr(user, "name", None))
            done(_a("enabled", name=who))
