"""A person over time (core.db.people, core.db.people_list): found by any usual typing of the ID
number, a record gathered from stored rows, payments and follow-up entries, corrections as new
entries, role isolation, the list's filters and its workbook; on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from core.db import audit, people, people_list, uploads
from core.db.accounts import AccountError
from core.db.models import followups, payments
from core.db.session import reading
from tests.db_conftest_helpers import (  # noqa: F401  (fixtures)
    db, evaluate, make_id, person, pg_db, pg_server, roster_csv, sqlite_db, user,
)

AFTER_DEADLINE = dt.date(2022, 6, 30)      # checked after the claim deadline: due, nothing payable
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def _x_id() -> str:
    """A valid ID number whose check character is X (the one officers type as a lower-case x)."""
    return next(i for i in (make_id("513226", "19850505", n) for n in range(1, 300)) if i.endswith("X"))


def _stored():
    """Two uploads by a city officer: 张三 (an X number) and 李四 in 柯桥区, 王五 in 越城区; 张三
    again later; 赵六 in 柯桥区 checked after the deadline (due, not paid)."""
    city = user("city_officer")
    xid = _x_id()
    a = roster_csv([person(1, 姓名="张三", 身份证号=xid), person(2, 姓名="李四"), person(3, 姓名="王五", district="越城区")])
    uploads.store_upload(evaluate(a), city, "a.csv", a)
    b = roster_csv([person(1, 姓名="张三", 身份证号=xid, 自行租房月数="10")])
    uploads.store_upload(evaluate(b), city, "b.csv", b)
    c = roster_csv([person(4, 姓名="赵六")])
    uploads.store_upload(evaluate(c, as_of=AFTER_DEADLINE), city, "c.csv", c)
    return city, xid


def _key(name: str, who) -> str:
    found = people.find_people(who, name)
    assert len(found) == 1, found
    return found["person_key"].iloc[0]


def test_an_id_number_typed_any_usual_way_finds_the_same_person(db):
    city, xid = _stored()
    variants = [xid, xid.lower(), f"{xid[:6]} {xid[6:14]} {xid[14:]}", xid.translate(FULL_WIDTH),
                " " + xid.lower().translate(FULL_WIDTH) + " "]
    found = [people.find_people(city, v) for v in variants]
    assert all(len(f) == 1 for f in found)
    assert {f["person_key"].iloc[0] for f in found} == {_key("张三", city)}
    assert found[0]["name"].iloc[0] == "张三" and found[0]["rows"].iloc[0] == 2
    shown = found[0]["id_number_masked"].iloc[0]
    assert shown.startswith(xid[:2]) and shown.endswith(xid[-2:]) and xid[6:14] not in shown
    assert len(people.find_people(city, "测试")) == 0 and len(people.find_people(city, "李")) == 1
    assert len(people.find_people(city, "")) == 0
    assert len(people.find_people(city, make_id("513226", "19800101", 7))) == 0    # valid, never stored


def test_a_district_officer_finds_only_their_districts_people(db):
    city, xid = _stored()
    yue = user("district_officer", "yue", "越城区")
    ke = user("district_officer", "ke", "柯桥区")
    leader = user("leader", "boss")
    assert len(people.find_people(yue, xid)) == 0 and len(people.find_people(yue, "张三")) == 0
    assert list(people.find_people(yue, "王")["name"]) == ["王五"]
    assert len(people.find_people(ke, xid)) == 1 and len(people.find_people(ke, "王五")) == 0
    assert len(people.find_people(leader, "王五")) == 1
    with pytest.raises(AccountError):
        people.person_record(yue, _key("张三", city))
    assert people.person_record(leader, _key("张三", city)).name == "张三"


def test_the_record_gathers_every_row_every_payment_and_the_timeline(db):
    city, _ = _stored()
    key = _key("张三", city)
    rec = people.person_record(city, key)
    assert len(rec.rows) == 2 and list(rec.rows["upload_id"]) == sorted(rec.rows["upload_id"])
    with reading() as conn:
        paid = conn.execute(select(func.sum(payments.c.amount)).where(payments.c.person_key == key,
                                                                      payments.c.active.is_(True))).scalar_one()
    assert paid > 0 and rec.paid["amount"].sum() == paid
    assert set(rec.paid["upload_id"]) == set(rec.rows["upload_id"])      # the second upload paid more rent
    assert rec.status is None and rec.timeline.empty and rec.district == "柯桥区"
    people.add_followup(city, key, "status", "on_job", dt.date(2021, 3, 1), "电话回访")
    people.add_followup(city, key, "service", "job_push", dt.date(2021, 4, 1))
    rec = people.person_record(city, key)
    assert rec.status == "on_job" and rec.last_followup == dt.date(2021, 4, 1)
    assert list(rec.timeline["value"]) == ["job_push", "on_job"]      # newest first
    assert set(rec.timeline["officer"]) == {city.name} and rec.timeline["in_force"].all()


def test_corrections_are_new_entries_that_name_what_they_correct(db):
    city, _ = _stored()
    key = _key("李四", city)
    first = people.add_followup(city, key, "status", "on_job", dt.date(2021, 3, 1))
    with pytest.raises(AccountError) as exc:
        people.correct_followup(city, first, "  ", value="left")
    assert str(exc.value) == "更正必须在备注中写明更正了什么。"
    second = people.correct_followup(city, first, "实为3月离职", value="left")
    with pytest.raises(AccountError):                     # only the entry in force is corrected
        people.correct_followup(city, first, "再次更正", value="returned")
    third = people.correct_followup(city, second, "日期应为3月15日", date=dt.date(2021, 3, 15))
    rec = people.person_record(city, key)
    assert rec.status == "left" and rec.last_followup == dt.date(2021, 3, 15)
    tl = rec.timeline.set_index("id")
    assert tl.loc[second, "corrects_id"] == first and tl.loc[third, "corrects_id"] == second
    assert list(tl["in_force"].sort_index()) == [False, False, True]
    assert tl.loc[third, "value"] == "left" and tl.loc[third, "note"] == "日期应为3月15日"
    void = people.correct_followup(city, third, "录错人员", kind="void")
    rec = people.person_record(city, key)
    assert rec.status is None and rec.last_followup is None and len(rec.timeline) == 4
    with pytest.raises(AccountError):
        people.correct_followup(city, void, "撤销作废", value="on_job")
    with reading() as conn:
        assert conn.execute(select(func.count()).select_from(followups)).scalar_one() == 4   # nothing deleted
    log = audit.entries()
    assert list(log["action"][:4]) == ["followup_correct"] * 3 + ["followup_add"]
    assert log["target"].iloc[0] == f"followup#{void}" and f'"corrects": {third}' in log["detail"].iloc[0]
    assert audit.verify().ok


def test_entries_refuse_bad_values_in_one_sentence(db):
    city, _ = _stored()
    key = _key("李四", city)
    for args, key_ in ((("status", "dancing", dt.date(2021, 1, 1)), "people.bad_value"),
                       (("mood", "on_job", dt.date(2021, 1, 1)), "people.bad_kind"),
                       (("void", "void", dt.date(2021, 1, 1)), "people.bad_kind"),
                       (("status", "on_job", dt.date.today() + dt.timedelta(days=1)), "people.future_date"),
                       (("status", "on_job", dt.date(2017, 12, 31)), "people.bad_date"),
                       (("status", "on_job", "2021-01-01"), "people.bad_date")):
        with pytest.raises(AccountError) as exc:
            people.add_followup(city, key, *args)
        assert exc.value.key == key_
    with pytest.raises(AccountError) as exc:
        people.add_followup(city, "0" * 64, "status", "on_job", dt.date(2021, 1, 1))
    assert exc.value.key == "people.not_found"


def test_role_isolation_of_entries(db):
    city, _ = _stored()
    ke = user("district_officer", "ke", "柯桥区")
    yue = user("district_officer", "yue", "越城区")
    leader = user("leader", "boss")
    zhang, wang = _key("张三", city), _key("王五", city)
    own = people.add_followup(ke, zhang, "service", "consultation", dt.date(2021, 5, 1))
    other = people.add_followup(yue, wang, "service", "consultation", dt.date(2021, 5, 1))
    with pytest.raises(AccountError) as exc:          # B's person is not found by A
        people.add_followup(ke, wang, "service", "training", dt.date(2021, 5, 2))
    assert exc.value.key == "people.not_found"
    with pytest.raises(AccountError) as exc:
        people.add_followup(ke, wang, "service", "training", dt.date(2021, 5, 2), district="越城区")
    assert exc.value.key == "people.not_your_district"
    with pytest.raises(AccountError) as exc:
        people.correct_followup(ke, other, "越权更正", value="training")
    assert exc.value.key == "people.not_your_district"
    for fn, args in ((people.add_followup, (zhang, "status", "left", dt.date(2021, 5, 3))),
                     (people.correct_followup, (own, "领导更正"))):
        with pytest.raises(AccountError) as exc:
            fn(leader, *args)
        assert exc.value.key == "db.permission_denied"
    assert list(people.person_record(ke, zhang).timeline["id"]) == [own]
    assert list(people.person_record(leader, wang).timeline["id"]) == [other]
    assert people.add_followup(city, wang, "service", "job_push", dt.date(2021, 5, 4))   # city officers: any
    with reading() as conn:
        assert conn.execute(select(followups.c.district).where(followups.c.id == other)).scalar_one() == "越城区"


def test_services_given_by_kind_period_and_district(db):
    city, _ = _stored()
    zhang, li, wang = (_key(n, city) for n in ("张三", "李四", "王五"))
    for key, code, day in ((zhang, "consultation", 3), (li, "consultation", 10), (li, "job_push", 20),
                           (wang, "consultation", 12), (wang, "training", 31)):
        people.add_followup(city, key, "service", code, dt.date(2021, 5, day))
    people.add_followup(city, li, "status", "on_job", dt.date(2021, 5, 5))          # a status is no service
    wrong = people.add_followup(city, zhang, "service", "training", dt.date(2021, 5, 6))
    people.correct_followup(city, wrong, "实为岗位推送", value="job_push")
    cancelled = people.add_followup(city, zhang, "service", "other", dt.date(2021, 5, 7))
    people.correct_followup(city, cancelled, "重复录入", kind="void")
    people.add_followup(city, zhang, "service", "consultation", dt.date(2021, 6, 1))   # next month
    may = (dt.date(2021, 5, 1), dt.date(2021, 5, 31))
    assert people.services_given(*may) == {"consultation": 3, "unemployment_registration": 0, "job_push": 2,
                                           "training": 1, "other": 0}
    assert people.services_given(*may, district="柯桥区") == {"consultation": 2, "unemployment_registration": 0,
                                                             "job_push": 2, "training": 0, "other": 0}
    assert sum(people.services_given(dt.date(2021, 6, 1), dt.date(2021, 6, 1)).values()) == 1


def test_the_list_filters_status_quiet_days_and_unpaid(db):
    city, _ = _stored()
    ke = user("district_officer", "ke", "柯桥区")
    zhang, li, zhao = (_key(n, city) for n in ("张三", "李四", "赵六"))
    day = dt.date(2021, 6, 30)
    people.add_followup(ke, zhang, "status", "on_job", dt.date(2021, 6, 1))
    people.add_followup(ke, li, "status", "left", dt.date(2021, 1, 1))
    people.add_followup(ke, li, "service", "job_push", dt.date(2021, 6, 20))
    whole = people_list.people_list(ke, as_of=day)
    assert list(whole["name"]) == ["张三", "李四", "赵六"] and set(whole["district"]) == {"柯桥区"}
    assert len(people_list.people_list(city, as_of=day)) == 4
    assert list(people_list.people_list(ke, status="left", as_of=day)["name"]) == ["李四"]
    assert list(people_list.people_list(ke, status=people_list.NO_STATUS, as_of=day)["name"]) == ["赵六"]
    # more than 20 days without a follow-up: 张三 (29 days), 赵六 (never); not 李四 (10 days)
    assert list(people_list.people_list(ke, quiet_days=20, as_of=day)["name"]) == ["张三", "赵六"]
    w = whole.set_index("name")
    assert w.loc["李四", "days_since"] == 10 and w.loc["李四", "status_date"] == dt.date(2021, 1, 1)
    unpaid = people_list.people_list(ke, unpaid_only=True, as_of=day)
    assert list(unpaid["name"]) == ["赵六"]             # checked after the deadline: due, not paid
    due = evaluate(roster_csv([person(4, 姓名="赵六")]), as_of=AFTER_DEADLINE).frame.iloc[0]
    items = [i for i in people_list.ROW_ITEMS if due[i] > 0]
    assert unpaid["unpaid_items"].iloc[0] == tuple(items) and unpaid["unpaid_amount"].iloc[0] == sum(due[items])
    assert unpaid["paid_amount"].iloc[0] == 0 and w.loc["张三", "paid_amount"] > 0
    assert w.loc["张三", "unpaid_amount"] == 0
    with pytest.raises(AccountError):
        people_list.people_list(ke, district="越城区")
    with pytest.raises(AccountError):
        people_list.people_list(ke, quiet_days=-1)


def test_the_list_as_a_workbook(db):
    import openpyxl

    city, _ = _stored()
    people.add_followup(city, _key("李四", city), "status", "left", dt.date(2021, 1, 1))
    frame = people_list.people_list(city, district="柯桥区", as_of=dt.date(2021, 6, 30))
    data = people_list.people_xlsx(frame, "柯桥区", today=dt.date(2021, 7, 1))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert ws.title == "人员名单" and rows[0][0] == "柯桥区人员名单（导出于2021-07-01）"
    assert rows[1][:4] == ("姓名", "身份证号（已脱敏）", "区县", "当前状态")
    at = next(i for i, r in enumerate(rows) if r[0] == "李四")
    li = rows[at]
    assert li[3] == "离职" and li[4] == dt.datetime(2021, 1, 1)
    assert ws.cell(row=at + 1, column=5).number_format == "yyyy-mm-dd"          # a date cell, shown as a day
    assert len(rows) == 2 + 3 and not any("5132261990" in str(c) for r in rows for c in r)


def test_every_audit_action_has_a_name_on_the_audit_page():
    """The audit page shows each action by its catalog name (db.audit_action.*): the new entries'
    actions too, in both languages."""
    from core.i18n import has

    for lang in ("zh", "en"):
        assert [a for a in audit.ACTIONS if not has(f"db.audit_action.{a}", lang)] == []
    assert {"followup_add", "followup_correct", "activity_add", "activity_correct"} <= set(audit.ACTIONS)
