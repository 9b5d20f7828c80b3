"""Administrators: yearly hiring targets (city and per district), local standards, and the Sichuan
counties Zhejiang helps (the list the target 四川受帮扶地区 counts by), extended without a code change."""
import streamlit as st

from core.db import counties, targets
from core.db.accounts import AccountError
from core.i18n import t
from core.reference import districts
from pages._common import done, lang, plain, require_role, show_notice
from pages._stored_tables import COUNTY_COLUMNS, TARGET_COLUMNS, stored_table

user = require_role("admin")


def _t(key: str, **fmt) -> str:
    return t(f"db.{key}", lang(), **fmt)


st.title(_t("admin.targets_title"))
show_notice()
table = targets.list_targets()
table["district"] = table["district"].replace("", _t("targets.city"))
st.dataframe(stored_table(table, TARGET_COLUMNS), hide_index=True, width="stretch")

# year and scope outside the form: choosing them shows what is stored for them at once
c1, c2 = st.columns(2)
year = c1.number_input(_t("admin.year"), min_value=2018, max_value=2100, value=2019, step=1, key="target_year")
scope = c2.selectbox(_t("admin.scope"), [""] + list(districts()["name"]), key="target_scope",
                     format_func=lambda d: d or _t("targets.city"))
current = targets.get_targets(int(year), scope or None) or {}   # the notice's for 2018
with st.form("db_targets"):
    values = {}
    cols = st.columns(len(targets.KEYS))
    for col, key in zip(cols, targets.KEYS):
        values[key] = col.text_input(_t(f"target_field.{key}"), key=f"target_{key}_{int(year)}_{scope}",
                                     value="" if current.get(key) is None else str(current[key]))
    if st.form_submit_button(_t("admin.save")):
        try:
            targets.set_targets(int(year), values, user, district=scope or None)
        except AccountError as exc:
            st.error(plain(exc.text(lang())))
        else:
            done(_t("targets.saved", year=int(year), scope=scope or _t("targets.city")))

st.subheader(_t("admin.standards_title"))
stored = targets.get_standards()
from core.reference import policy  # noqa: E402

for key in targets.standard_keys():
    with st.form(f"db_standard_{key}"):
        label = t(f"db.standard_label.{key}", lang())
        v = stored.get(key)
        shown = "" if v is None else str(int(v)) if float(v).is_integer() else repr(float(v))   # 1800, not 1800.0
        value = st.text_input(t("common.paren", lang(), text=label, inner=policy().param(key).clause), value=shown)
        if st.form_submit_button(_t("admin.save")):
            try:
                targets.set_standard(key, value.strip() or None, user)
            except AccountError as exc:
                st.error(plain(exc.text(lang())))
            else:
                done(_t("events.saved"))

st.subheader(_t("admin.counties_title"))
st.caption(_t("admin.counties_hint"))
table = counties.all_counties()
table["origin"] = table["origin"].map(lambda o: _t(f"counties.origin.{o}"))
st.dataframe(stored_table(table, COUNTY_COLUMNS), hide_index=True, width="stretch", key="counties_table")
with st.form("db_county_add"):
    c1, c2 = st.columns(2)
    code = c1.text_input(_t("admin.county_code"), key="county_code")
    name = c2.text_input(_t("admin.county_name"), key="county_name")
    c3, c4 = st.columns(2)
    aliases = c3.text_input(_t("admin.county_aliases"), key="county_aliases")
    old_codes = c4.text_input(_t("admin.county_old_codes"), key="county_old_codes")
    c5, c6 = st.columns(2)
    prefecture = c5.text_input(_t("admin.county_prefecture"), key="county_prefecture")
    source = c6.text_input(_t("admin.county_source"), key="county_source")
    if st.form_submit_button(_t("admin.county_add")):
        try:
            counties.add_county(user, code, name, aliases=aliases, old_codes=old_codes,
                                prefecture=prefecture, source=source)
        except AccountError as exc:
            st.error(plain(exc.text(lang())))
        else:
            done(_t("counties.added", code=code.strip(), name=name.strip()),
                 ("county_code", "county_name", "county_aliases", "county_old_codes", "county_prefecture", "county_source"))
removable = counties.added()["code"].tolist()
if removable:
    with st.form("db_county_remove"):
        which = st.selectbox(_t("admin.county_remove_which"), removable, key="county_remove")
        if st.form_submit_button(_t("admin.county_remove")):
            try:
                counties.remove_county(user, which)
            except AccountError as exc:
                st.error(plain(exc.text(lang())))
            else:
                done(_t("counties.removed", code=which))
