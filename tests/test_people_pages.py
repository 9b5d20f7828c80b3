"""The pages 人员跟踪 and 工作台帐 (Streamlit AppTest): search, record, entries and corrections,
the list and the ledger, each role seeing and doing only what it may."""
from __future__ import annotations

import datetime as dt

import pytest

from core.db import accounts, activities, events, people, uploads
from core.i18n import t
from core.paths import ROOT
from tests.db_conftest_helpers import evaluate, make_id, person, roster_csv, sqlite_db, user  # noqa: F401

st_testing = pytest.importorskip("streamlit.testing.v1")
ZHANG = make_id("513226", "19850505", 21)


def page(name: str, who=None):
    at = st_testing.AppTest.from_file(str(ROOT / "pages" / name), default_timeout=60)
    if who is not None:
        accounts.session_login(at.session_state, who)
    return at


def _stored():
    city = user("city_officer")
    content = roster_csv([person(21, 姓名="张三", 身份证号=ZHANG), person(22, 姓名="王五", district="越城区")])
    uploads.store_upload(evaluate(content), city, "a.csv", content)
    return city


def _by_key(at, key):
    return next(w for w in at.main if getattr(w, "key", None) == key)


def _frames(at) -> list:
    return [df.value for df in at.dataframe]


def test_a_district_officer_finds_a_person_enters_and_corrects(sqlite_db):
    _stored()
    ke = user("district_officer", "ke", "柯桥区")
    at = page("people.py", ke).run()
    assert not at.exception and at.title[0].value == t("people.page.title")
    at.text_input(key="people_query").input(f" {ZHANG[:6]} {ZHANG[6:].lower()}")
    at.button[0].click().run()                      # the search form's button
    assert not at.exception
    found = _frames(at)[0]
    assert list(found[t("people.col.person")]) == ["张三"] and ZHANG[6:14] not in found.to_csv()
    key = people.find_people(ke, ZHANG)["person_key"].iloc[0]
    at.selectbox(key="people_pick_found").select(key).run()
    assert any("张三" in s.value for s in at.subheader)
    assert any(i.value == t("people.page.no_timeline") for i in at.info)
    at.selectbox(key="entry_choice").select("service:job_push")
    at.date_input(key="entry_date").set_value(dt.date(2021, 5, 1))
    at.text_area(key="entry_note").input("推送3个岗位")
    at.button(key="entry_save").click().run()
    assert not at.exception
    entry = int(people.person_record(ke, key).timeline["id"].iloc[0])
    assert any(s.value == t("people.page.saved", id=entry) for s in at.success)
    timeline = next(f for f in _frames(at) if t("people.col.note") in f.columns)
    assert list(timeline[t("people.col.value")]) == [t("people.service.job_push")]
    assert list(timeline[t("people.col.corrects_id")]) == [""]          # blank, not "None"
    at.selectbox(key="fix_which").select(entry)
    at.selectbox(key="fix_choice").select("void:void")
    at.text_area(key="fix_note").input("录重了")
    at.button(key="fix_save").click().run()
    assert not at.exception
    rec = people.person_record(ke, key)
    assert list(rec.timeline["kind"]) == ["void", "service"] and not rec.timeline["in_force"].any()


def test_a_correction_without_a_note_is_one_sentence(sqlite_db):
    city = _stored()
    key = people.find_people(city, ZHANG)["person_key"].iloc[0]
    people.add_followup(city, key, "status", "on_job", dt.date(2021, 5, 1))
    at = page("people.py", city)
    at.session_state["people_selected"] = key
    at.run()
    at.button(key="fix_save").click().run()
    assert not at.exception and [e.value for e in at.error] == [t("people.correction_needs_note")]


def test_other_districts_people_are_not_found_and_leaders_only_read(sqlite_db):
    city = _stored()
    yue = user("district_officer", "yue", "越城区")
    at = page("people.py", yue).run()
    at.text_input(key="people_query").input(ZHANG)
    at.button[0].click().run()
    assert [i.value for i in at.info] == [t("people.page.none_found")]
    listed = next(f for f in _frames(at) if t("people.col.unpaid_items") in f.columns)
    assert list(listed[t("people.col.person")]) == ["王五"]
    key = people.find_people(city, ZHANG)["person_key"].iloc[0]
    at = page("people.py", yue)
    at.session_state["people_selected"] = key         # a key from elsewhere: refused, not shown
    at.run()
    assert not at.exception and [e.value for e in at.error] == [t("people.not_found")]
    leader = user("leader", "boss")
    at = page("people.py", leader)
    at.session_state["people_selected"] = key
    at.run()
    assert not at.exception and any(i.value == t("people.page.read_only") for i in at.info)
    assert not [b for b in at.button if b.key in ("entry_save", "fix_save")]
    assert len(next(f for f in _frames(at) if t("people.col.unpaid_items") in f.columns)) == 2


def test_the_list_filters_on_the_page(sqlite_db):
    city = _stored()
    key = people.find_people(city, ZHANG)["person_key"].iloc[0]
    people.add_followup(city, key, "status", "left", dt.date(2021, 5, 1))
    at = page("people.py", city).run()
    at.selectbox(key="people_status").select("left").run()
    listed = next(f for f in _frames(at) if t("people.col.unpaid_items") in f.columns)
    assert list(listed[t("people.col.person")]) == ["张三"] and list(listed[t("people.col.status")]) == ["离职"]
    at.selectbox(key="people_district").select("越城区").run()
    assert any(c.value == t("people.page.listed", n=0) for c in at.caption)


def test_the_work_ledger_page(sqlite_db):
    city = user("city_officer")
    fair = events.add_fair(city, "柯桥区", dt.date(2021, 4, 10), "金川县", ["甲公司"])
    ke = user("district_officer", "ke", "柯桥区")
    at = page("work_ledger.py", ke).run()
    assert not at.exception and at.title[0].value == t("people.ledger_page.title")
    table = _frames(at)[0]
    assert list(table[t("people.col.kind")]) == ["招聘会"] and list(table[t("people.col.source")]) == ["招聘会记录"]
    at.selectbox(key="act_kind").select("visit")
    at.date_input(key="act_date").set_value(dt.date(2021, 6, 1))
    at.text_input(key="act_place").input("金川县")
    at.number_input(key="act_people").set_value(20)
    at.button(key="act_save").click().run()
    assert not at.exception and any(s.value.startswith("已保存为第") for s in at.success)
    assert list(_frames(at)[0][t("people.col.kind")]) == ["对口县走访", "招聘会"]
    at.selectbox(key="act_fair").select(fair)
    at.number_input(key="fair_people").set_value(150)
    at.button(key="fair_save").click().run()
    assert not at.exception
    table = _frames(at)[0]
    assert len(table) == 2 and list(table[t("people.col.people_reached")]) == [20, 150]
    assert list(table[t("people.col.source")]) == ["台帐录入", "台帐录入"]
    visit = int(activities.activities_frame(ke, kinds=["visit"])["id"].iloc[0])
    at.selectbox(key="fix_act").select(visit)
    at.number_input(key="fix_act_people").set_value(25)
    at.button(key="fix_act_save").click().run()                 # no note: refused, nothing stored
    assert [e.value for e in at.error] == [t("people.correction_needs_note")]
    at.selectbox(key="fix_act").select(visit)
    at.number_input(key="fix_act_people").set_value(25)
    at.text_area(key="fix_act_note").input("实到25人")
    at.button(key="fix_act_save").click().run()
    assert not at.exception and list(_frames(at)[0][t("people.col.people_reached")]) == [25, 150]
    assert list(_frames(at)[0][t("people.col.place")]) == ["金川县", "金川县"]
    yue = user("district_officer", "yue", "越城区")
    at = page("work_ledger.py", yue).run()
    assert not at.exception and [i.value for i in at.info][0] == t("people.ledger_page.none")
    leader = user("leader", "boss")
    at = page("work_ledger.py", leader).run()
    assert not at.exception and len(_frames(at)[0]) == 2
    assert any(i.value == t("people.ledger_page.read_only") for i in at.info)
    assert not [b for b in at.button if b.key == "act_save"]
    assert len(activities.activities_frame(leader)) == 2


def test_signed_out_visitors_are_asked_to_sign_in(sqlite_db):
    for name in ("people.py", "work_ledger.py"):
        at = page(name).run()
        assert [w.value for w in at.warning] == [t("ui.common.login_required")]
        assert not at.dataframe


def test_the_work_ledger_leaves_demo_fairs_out_unless_switched_on(sqlite_db):
    """A demo fair (录入人 演示用户) is not in the 台帐 by default, as the 统计报表 counts none for the
    district; switched on, it is listed with 示例数据 as its source, and only then offered for linking."""
    city = user("city_officer")
    events.add_fair(city, "柯桥区", dt.date(2021, 4, 10), "金川县", ["甲公司"])
    events.add_fair(city, "柯桥区", dt.date(2021, 5, 10), "理县", ["示例企业"], demo=True, province="51")
    ke = user("district_officer", "ke", "柯桥区")
    at = page("work_ledger.py", ke).run()
    switch = at.toggle(key="ledger_include_demo")
    assert not at.exception and switch.label == t("ui.dashboard.include_demo") and switch.value is False
    table = _frames(at)[0]
    assert list(table[t("people.col.place")]) == ["金川县"]
    assert len(at.selectbox(key="act_fair").options) == 1        # the demo fair is not offered either
    at.toggle(key="ledger_include_demo").set_value(True).run()
    table = _frames(at)[0]
    assert not at.exception and list(table[t("people.col.place")]) == ["理县", "金川县"]
    assert list(table[t("people.col.source")]) == [t("ui.dashboard.source_demo"), t("people.source.fair")]


def test_a_persons_paid_items_render_with_no_arrow_error(sqlite_db, caplog):
    """已发放项目 of a person paid a monthly item (months counted) and one-time items (no months):
    the table renders, with the months blank for a one-time item, and nothing in the server log."""
    import logging

    city = _stored()
    ke = user("district_officer", "ke", "柯桥区")
    key = people.find_people(ke, ZHANG)["person_key"].iloc[0]
    paid = people.person_record(ke, key).paid
    assert paid["months"].notna().any() and paid["months"].isna().any()    # both kinds are there
    streamlit_log = logging.getLogger("streamlit.dataframe_util")     # Streamlit's loggers do not propagate
    streamlit_log.addHandler(caplog.handler)
    at = page("people.py", ke)
    at.session_state["people_selected"] = key
    at.run()
    assert not at.exception and any("张三" in s.value for s in at.subheader)
    streamlit_log.removeHandler(caplog.handler)
    assert not [r.getMessage() for r in caplog.records if "Arrow" in r.getMessage()]
    table = next(f for f in _frames(at) if t("people.col.months") in f.columns)
    months = dict(zip(table[t("people.col.item")], table[t("people.col.months")]))
    assert months[t("rules.item_title.rent")] == "6" and months[t("rules.item_title.stabilization")] == ""
