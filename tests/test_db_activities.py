"""The 工作台帐 (core.db.activities): entries, fairs linked not copied, corrections as new entries,
filters, role isolation, audit and the workbook; on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from sqlalchemy import func, select

from core.db import activities, audit, events
from core.db.accounts import AccountError
from core.db.models import activities as table
from core.db.session import reading
from core.i18n import t
from tests.db_conftest_helpers import db, pg_db, pg_server, sqlite_db, user  # noqa: F401  (fixtures)

D = dt.date


def _setup():
    city = user("city_officer")
    ke = user("district_officer", "ke", "柯桥区")
    yue = user("district_officer", "yue", "越城区")
    fair_ke = events.add_fair(city, "柯桥区", D(2021, 4, 10), "金川县人力资源市场", ["甲公司", "乙公司", "丙公司"])
    fair_yue = events.add_fair(city, "越城区", D(2021, 5, 10), "马边县", ["丁公司"])
    return city, ke, yue, fair_ke, fair_yue


def test_entries_and_recorded_fairs_in_one_list_without_copies(db):
    city, ke, yue, fair_ke, fair_yue = _setup()
    meeting = activities.add_activity(ke, "joint_meeting", D(2021, 3, 1), "柯桥区", "区人社局会议室", 12, "一季度通报")
    linked = activities.add_activity(ke, "fair", fair_id=fair_ke, people_reached=300, note="现场签约40人")
    visit = activities.add_activity(yue, "visit", D(2021, 6, 1), "越城区", "马边县", None)
    whole = activities.activities_frame(city)
    assert len(whole) == 4                                   # 3 entries + the fair nobody linked yet
    assert list(whole["date"]) == [D(2021, 6, 1), D(2021, 5, 10), D(2021, 4, 10), D(2021, 3, 1)]
    f = whole.set_index("fair_id").loc[fair_ke]
    assert f["id"] == linked and f["place"] == "金川县人力资源市场" and f["enterprises"] == 3
    assert f["people_reached"] == 300 and f["source"] == "ledger" and f["district"] == "柯桥区"
    alone = whole.set_index("fair_id").loc[fair_yue]
    assert alone["source"] == "fair" and alone["place"] == "马边县" and alone["kind"] == "fair"
    assert pd.isna(alone["id"]) and pd.isna(alone["people_reached"]) and alone["enterprises"] == 1
    with reading() as conn:                                   # the link keeps no copy of the place
        assert conn.execute(select(table.c.place).where(table.c.id == linked)).scalar_one() == ""
    assert {meeting, visit} <= set(whole["id"].dropna())
    with pytest.raises(AccountError) as exc:                  # one entry a fair
        activities.add_activity(city, "fair", fair_id=fair_ke)
    assert exc.value.key == "people.fair_already_linked"
    events.withdraw_event("fair", fair_ke, city)               # a withdrawn fair drops out with its entry
    assert fair_ke not in set(activities.activities_frame(city)["fair_id"].dropna())


def test_filters_by_kind_district_and_dates(db):
    city, ke, yue, fair_ke, _ = _setup()
    activities.add_activity(ke, "training", D(2021, 2, 1), "柯桥区", "职校", 50)
    activities.add_activity(ke, "publicity", D(2021, 7, 1), "柯桥区", "金川县", 500)
    activities.add_activity(yue, "publicity", D(2021, 7, 2), "越城区", "马边县")
    f = activities.activities_frame
    assert list(f(city, kinds=["publicity"])["district"]) == ["越城区", "柯桥区"]
    assert set(f(city, district="柯桥区")["kind"]) == {"training", "publicity", "fair"}
    assert list(f(city, start=D(2021, 4, 10), end=D(2021, 7, 1))["date"]) == [D(2021, 7, 1), D(2021, 5, 10),
                                                                             D(2021, 4, 10)]
    assert list(f(city, kinds=["fair"], district="柯桥区")["fair_id"]) == [fair_ke]
    with pytest.raises(AccountError):
        f(city, start=D(2021, 8, 1), end=D(2021, 7, 1))


def test_role_isolation(db):
    city, ke, yue, fair_ke, fair_yue = _setup()
    leader = user("leader", "boss")
    mine = activities.add_activity(yue, "visit", D(2021, 6, 1), "越城区", "马边县")
    assert set(activities.activities_frame(ke)["district"]) == {"柯桥区"}        # B's entries and fairs unseen
    assert set(activities.activities_frame(yue)["district"]) == {"越城区"}
    with pytest.raises(AccountError) as exc:
        activities.activities_frame(ke, district="越城区")
    assert exc.value.key == "people.not_your_district"
    with pytest.raises(AccountError) as exc:
        activities.add_activity(ke, "visit", D(2021, 6, 1), "越城区", "马边县")
    assert exc.value.key == "people.not_your_district"
    with pytest.raises(AccountError) as exc:
        activities.add_activity(ke, "fair", fair_id=fair_yue)
    assert exc.value.key == "people.fair_not_found"
    with pytest.raises(AccountError) as exc:
        activities.correct_activity(ke, mine, "越权", people_reached=1)
    assert exc.value.key == "people.not_your_district"
    for call in (lambda: activities.add_activity(leader, "visit", D(2021, 6, 1), "越城区", "马边县"),
                 lambda: activities.correct_activity(leader, mine, "领导", void=True)):
        with pytest.raises(AccountError) as exc:
            call()
        assert exc.value.key == "db.permission_denied"
    assert len(activities.activities_frame(leader)) == 3


def test_corrections_chain_void_and_audit(db):
    city, ke, *_ = _setup()
    first = activities.add_activity(ke, "training", D(2021, 2, 1), "柯桥区", "职校", 50, "电工班")
    with pytest.raises(AccountError) as exc:
        activities.correct_activity(ke, first, "", people_reached=45)
    assert exc.value.key == "people.correction_needs_note"
    second = activities.correct_activity(ke, first, "实到45人", people_reached=45)
    with pytest.raises(AccountError) as exc:
        activities.correct_activity(ke, first, "又改", people_reached=40)
    assert exc.value.key == "people.already_corrected"
    shown = activities.activities_frame(ke, kinds=["training"])
    assert list(shown["id"]) == [second] and shown["people_reached"].iloc[0] == 45
    assert shown["place"].iloc[0] == "职校" and shown["note"].iloc[0] == "实到45人"
    void = activities.correct_activity(ke, second, "重复录入", void=True)
    assert len(activities.activities_frame(ke, kinds=["training"])) == 0
    with reading() as conn:
        rows = conn.execute(select(table.c.id, table.c.corrects_id, table.c.kind).order_by(table.c.id)).all()
        assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 3      # nothing deleted
    assert [tuple(r) for r in rows] == [(first, None, "training"), (second, first, "training"), (void, second, "void")]
    log = audit.entries()
    assert list(log["action"][:3]) == ["activity_correct", "activity_correct", "activity_add"]
    assert f'"corrects": {second}' in log["detail"].iloc[0] and audit.verify().ok


def test_bad_input_is_one_sentence(db):
    city, ke, *_ = _setup()
    cases = ((dict(kind="party", date=D(2021, 1, 1), district="柯桥区", place="x"), "people.bad_activity_kind"),
             (dict(kind="visit", date=D(2021, 1, 1), district="火星区", place="x"), "people.bad_district"),
             (dict(kind="visit", date=D(2021, 1, 1), district="柯桥区", place="  "), "people.place_required"),
             (dict(kind="visit", date=D(2017, 1, 1), district="柯桥区", place="x"), "people.bad_date"),
             (dict(kind="visit", date=D(2021, 1, 1), district="柯桥区", place="x", people_reached=-3), "people.bad_people"),
             (dict(kind="visit", date=D(2021, 1, 1), district="柯桥区", place="x", fair_id=1), "people.fair_only_for_fairs"),
             (dict(kind="fair"), "people.fair_required"),
             (dict(kind="fair", fair_id=999), "people.fair_not_found"))
    for kwargs, key in cases:
        with pytest.raises(AccountError) as exc:
            activities.add_activity(city, **kwargs)
        assert exc.value.key == key, kwargs
        assert "\n" not in str(exc.value) and str(exc.value).endswith("。")


def test_the_ledger_as_a_workbook(db):
    import openpyxl

    city, ke, *_ = _setup()
    activities.add_activity(ke, "publicity", D(2021, 7, 1), "柯桥区", "=HYPERLINK(\"http://x\")", 500, "@SUM(A1)")
    data = activities.ledger_xlsx(activities.activities_frame(city), today=D(2021, 8, 1))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "工作台帐（导出于2021-08-01）" and rows[1][:4] == ("编号", "日期", "区县", "类型")
    assert rows[2][1] == dt.datetime(2021, 7, 1) and ws.cell(row=3, column=2).number_format == "yyyy-mm-dd"
    assert rows[2][3] == "宣传" and rows[2][4] == "'=HYPERLINK(\"http://x\")" and rows[2][7] == "'@SUM(A1)"
    assert [r[3] for r in rows[2:]] == ["宣传", "招聘会", "招聘会"] and len(rows) == 5


def test_demo_fairs_and_entries_are_left_out_unless_asked_for(db):
    """Demo data (python -m core demo) is not in the 台帐 unless asked for, as the 统计报表 counts no
    demo fair for the same district; asked for, its rows say 示例数据 as their source."""
    from core import report

    city, ke, *_ = _setup()
    demo_fair = events.add_fair(city, "柯桥区", D(2021, 8, 10), "理县", ["示例企业"], demo=True, province="51")
    demo_entry = activities.add_activity(ke, "training", D(2021, 8, 11), "柯桥区", "示例", 9, demo=True)
    real = activities.activities_frame(ke)
    assert demo_fair not in set(real["fair_id"].dropna()) and demo_entry not in set(real["id"].dropna())
    assert len(real) == 1 and not real["demo"].any()
    fairs = report.fair_figures(events.fairs_frame(2021).pipe(lambda f: f[~f["demo"]]), 2021, 12, "柯桥区")
    assert fairs["year_to_date"]["fairs"] == (real["kind"] == activities.FAIR).sum()   # the report agrees
    both = activities.activities_frame(ke, include_demo=True)
    assert len(both) == 3 and set(both.loc[both["demo"], "id"].dropna()) == {demo_entry}
    assert set(both.loc[both["demo"], "fair_id"].dropna()) == {demo_fair}
    shown = activities.display(both)
    sources = dict(zip(shown[t("people.col.place")], shown[t("people.col.source")]))
    assert sources["理县"] == sources["示例"] == t("ui.dashboard.source_demo")
    assert sources["金川县人力资源市场"] == t("people.source.fair")
