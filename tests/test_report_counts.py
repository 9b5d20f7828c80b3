"""The report's new hires (core.db.report_queries, one SQL query) count each person as the progress
over the stored rows does (core.db.stored_progress, pandas): once, by their earliest counted row,
ties in upload and row order, invalid and uncounted rows left out; and still after uploads are
withdrawn. On SQLite and PostgreSQL; the expected figures are also written out by hand."""
from __future__ import annotations

from core import reference
from core.db import report_queries as rq
from core.db.stored_progress import stored_progress
from core.db.uploads import store_upload, withdraw_upload
from core.report import hires_by_period, monthly_report, with_helped_now
from tests.db_conftest_helpers import db, evaluate, pg_db, pg_server, person, roster_csv, sqlite_db, user  # noqa: F401

HEBEI = {"户籍省份": "河北省", "户籍县（市、区）": ""}       # 其他中西部


def day(d):
    return {"首次来绍就业日期": d}


def store(admin, name, rows) -> int:
    data = roster_csv(rows)
    return store_upload(evaluate(data), admin, name, data).upload_id


def uploads(admin) -> dict:
    """Three uploads, stored in the order a, b, c; who counts where is said beside each row."""
    a = store(admin, "a.csv", [
        person(1, **day("2019-03-01")),                         # later than b's
        person(2, "越城区", **day("2018-05-01")),                # same day as b's: a's counts (earlier upload)
        person(3, "诸暨市", **HEBEI, **day("2019-02-10")),
        person(4, **{"建档立卡": "否"}, **day("2018-07-07")),     # never counted
        person(7, "上虞区", **day("2018-09-09")),                # c's is earlier
    ])
    b = store(admin, "b.csv", [
        person(1, "上虞区", **day("2018-11-11")),               # counted: 2018, 上虞区
        person(2, "新昌县", **day("2018-05-01")),
        person(3, "诸暨市", **HEBEI, **day("2019-02-10")),
        person(6, "嵊州市", **day("2019-04-04")),
    ])
    c = store(admin, "c.csv", [
        person(7, **day("2018-01-02")),                          # counted: 2018, 柯桥区
        person(6, **day("2018-12-12")),                          # counted: 2018, 柯桥区 (b's is 2019)
        person(1, **{"就业区县": "杭州市"}, **day("2018-01-01")),  # invalid: not counted, not earliest
        person(3, "新昌县", **{"建档立卡": "否"}, **day("2018-01-05")),  # not counted: 诸暨市 stays
    ])
    return {"a": a, "b": b, "c": c}


def by_district(year: int) -> dict:
    """{district: total} from the report's groups for the whole year (zeros left out)."""
    groups = with_helped_now(rq.new_hire_groups(year))
    out = {d: hires_by_period(groups, 12, d)["year_to_date"]["total"] for d in reference.districts()["name"]}
    return {d: n for d, n in out.items() if n}


def assert_report_equals_progress(years=(2018, 2019), demo_rows_stored=0):
    for year in years:
        progress, demo_rows = stored_progress(year)
        assert demo_rows == demo_rows_stored
        city = monthly_report(year, 12)
        assert city["new_hires"]["year_to_date"] == progress["city"]
        for d in reference.districts()["name"]:
            assert city["by_district"][d]["year_to_date"] == progress["by_district"][d], (year, d)
            own = monthly_report(year, 12, d)["new_hires"]["year_to_date"]
            assert own == progress["by_district"][d], (year, d)


def test_report_counts_as_progress_before_and_after_withdrawal(db):
    admin = user("admin")
    ids = uploads(admin)
    assert by_district(2018) == {"柯桥区": 2, "上虞区": 1, "越城区": 1}
    assert by_district(2019) == {"诸暨市": 1}
    other = monthly_report(2019, 12)["new_hires"]["year_to_date"]
    assert other["other_central_western"] == 1 and other["paired_four"] == 0
    assert_report_equals_progress()

    withdraw_upload(ids["c"], admin, "重复上传")       # 7 back to a's row, 6 to b's (2019)
    assert by_district(2018) == {"上虞区": 2, "越城区": 1}
    assert by_district(2019) == {"诸暨市": 1, "嵊州市": 1}
    assert_report_equals_progress()

    withdraw_upload(ids["a"], admin, "重复上传")       # 2 now counted by b's row, 7 by none
    assert by_district(2018) == {"上虞区": 1, "新昌县": 1}
    assert by_district(2019) == {"诸暨市": 1, "嵊州市": 1}
    assert_report_equals_progress()


def test_district_groups_are_the_city_groups_of_that_district(db):
    admin = user("admin")
    uploads(admin)
    city = rq.new_hire_groups(2018)
    assert city["n"].sum() == 4
    for d in reference.districts()["name"]:
        own = rq.new_hire_groups(2018, d)
        assert set(own["work_district"]) <= {d}
        assert own["n"].sum() == city.loc[city["work_district"] == d, "n"].sum()


def test_sqlite_reads_through_a_memory_map(sqlite_db):
    from core.db.session import SQLITE_MMAP_BYTES, reading

    with reading() as conn:
        assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() == SQLITE_MMAP_BYTES


def test_demo_data_is_left_out_of_the_filed_report(db):
    """Demo uploads (an earlier row of a counted person, a new person, their items and ledger
    entries) and a demo fair change no figure of the table or the bulletin's list of districts
    without a fair, as the stored progress leaves them out."""
    import datetime as dt

    from core.bulletin import no_fair
    from core.db import events

    admin = user("admin")
    uploads(admin)
    before = {(y, d): monthly_report(y, 12, d, filed_on=dt.date(2026, 1, 1))
              for y in (2018, 2019) for d in (None, "柯桥区", "越城区")}
    without_fair = no_fair(2018)
    data = roster_csv([person(1, "越城区", **day("2018-01-03")), person(8, "越城区", **day("2018-06-06"))])
    demo = store_upload(evaluate(data), admin, "demo.csv", data, demo=True)
    events.add_fair(admin, "越城区", dt.date(2018, 5, 5), "金川县", ["甲"], demo=True, province="51")
    assert demo.rows == 2
    # the demo rows are stored and would count: the progress with demo data counted sees them
    assert stored_progress(2018, include_demo=True)[0]["by_district"]["越城区"]["total"] == 3
    for (y, d), report in before.items():
        assert monthly_report(y, 12, d, filed_on=dt.date(2026, 1, 1)) == report, (y, d)
    assert no_fair(2018) == without_fair and "越城区" in without_fair
    assert_report_equals_progress(demo_rows_stored=2)
