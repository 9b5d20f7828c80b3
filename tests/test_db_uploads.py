"""Uploads across time: duplicates, one-time items paid once, withdrawals, district isolation."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select

from core.db import audit, uploads
from core.db.accounts import AccountError
from core.db.cli import progress_from_db
from core.db.models import ONE_TIME_ITEMS, ROW_ITEMS, payments, roster_rows
from core.db.session import reading
from core.progress import progress
from tests.db_conftest_helpers import (  # noqa: F401  (fixtures)
    db, evaluate, person, pg_db, pg_server, roster_csv, sqlite_db, user,
)


def _counts() -> dict:
    with reading() as conn:
        return {
            "rows": conn.execute(select(func.count()).select_from(roster_rows)).scalar_one(),
            "payments": conn.execute(select(func.count()).select_from(payments)).scalar_one(),
            "active": conn.execute(select(func.count()).select_from(payments).where(payments.c.active)).scalar_one(),
            "uploads": len(uploads.list_uploads()),
        }


def test_same_file_twice_changes_no_count(db):
    officer = user("city_officer")
    content = roster_csv([person(i, district=d) for i, d in enumerate(["柯桥区", "越城区", "嵊州市"] * 3)])
    first = uploads.store_upload(evaluate(content), officer, "a.csv", content)
    before, rows_before = _counts(), uploads.load_rows()
    prog_before = progress_from_db(2018)
    second = uploads.store_upload(evaluate(content), officer, "a-copy.csv", content)
    assert second.duplicate and second.upload_id == first.upload_id and str(first.upload_id) in second.message
    assert _counts() == before
    pd.testing.assert_frame_equal(uploads.load_rows(), rows_before)
    assert progress_from_db(2018) == prog_before
    assert before["rows"] == 9 and prog_before["city"]["total"] == 9
    assert list(audit.entries(action="upload_duplicate")["target"]) == ["a-copy.csv"]


def test_one_time_items_already_paid_are_flagged_not_paid_twice(db):
    officer = user("city_officer")
    a = roster_csv([person(1), person(2, 自行租房月数="4")])
    s1 = uploads.store_upload(evaluate(a), officer, "a.csv", a)
    paid1 = s1.result.frame
    assert (paid1["stabilization"] > 0).all() and s1.flagged == 0
    # person 1 again with more rented months (cumulative), and a new person 3
    b = roster_csv([person(1, 自行租房月数="10"), person(3)])
    fresh = evaluate(b)
    s2 = uploads.store_upload(fresh, officer, "b.csv", b)
    f2 = s2.result.frame.set_index("name")
    assert s2.flagged == 1
    for item in ONE_TIME_ITEMS:
        assert f2.loc["测试1", item] == 0
        assert f2.loc["测试3", item] == fresh.frame.set_index("name").loc["测试3", item] > 0
    monthly = paid1["rent"].iloc[0] // paid1["rent_counted_months"].iloc[0]
    assert f2.loc["测试1", "rent_counted_months"] == 10 - 6 and f2.loc["测试1", "rent"] == 4 * monthly
    assert f"第{s1.upload_id}号" in f2.loc["测试1", "warnings"]
    assert f2.loc["测试1", "total_to_worker"] == 4 * monthly
    stored = uploads.load_rows().set_index(["upload_id", "name"])
    assert stored.loc[(s2.upload_id, "测试1"), "stabilization"] == 0
    assert "stabilization" in stored.loc[(s2.upload_id, "测试1"), "prior_paid"]
    # the ledger pays each one-time item once per person
    with reading() as conn:
        dupes = conn.execute(select(payments.c.person_key, payments.c.item, func.count())
                             .where(payments.c.active, payments.c.item != "rent")
                             .group_by(payments.c.person_key, payments.c.item).having(func.count() > 1)).all()
        rent_months = conn.execute(select(func.sum(payments.c.months)).where(payments.c.active,
                                                                            payments.c.item == "rent")).scalar_one()
    assert dupes == [] and rent_months == 6 + 4 + (10 - 6) + 6


def test_as_stored_shows_what_storing_keeps_and_what_was_stored(db):
    """Before saving: what storing would keep (earlier payments at 0, the warning in the page's
    language). A file already stored: its rows as stored, even after an earlier upload was
    withdrawn and its payments no longer count."""
    from core.i18n import t

    officer = user("city_officer")
    a = roster_csv([person(1), person(2)])
    b = roster_csv([person(1), person(2), person(3)])
    s1 = uploads.store_upload(evaluate(a), officer, "a.csv", a)
    view = uploads.as_stored(evaluate(b), officer, b, lang="en")
    assert view.upload_id is None and view.result.summary["flagged"] == 2
    names = view.result.frame.set_index("name")
    assert names.loc["测试1", "stabilization"] == 0 and names.loc["测试3", "stabilization"] > 0
    english = t("db.upload.prior_one_time", "en", item=t("db.items.stabilization", "en"), upload=s1.upload_id)
    assert english in names.loc["测试1", "warnings"]
    s2 = uploads.store_upload(evaluate(b), officer, "b.csv", b, lang="en")
    assert s2.message == t("db.upload.stored", "en", upload_id=s2.upload_id, rows=3, valid=3, errors=0, flagged=2)
    uploads.withdraw_upload(s1.upload_id, officer, "wrong file")
    again = uploads.as_stored(evaluate(b), officer, b)
    assert again.upload_id == s2.upload_id
    assert again.result.summary["total_to_worker"] == s2.total_to_worker
    assert again.result.summary["flagged"] == 2
    kept = again.result.frame.set_index("name")
    assert kept.loc["测试1", "stabilization"] == 0 and kept.loc["测试3", "stabilization"] > 0


def test_withdrawal_is_audited_keeps_rows_and_releases_payments(db):
    officer = user("city_officer")
    a = roster_csv([person(1), person(2)])
    s1 = uploads.store_upload(evaluate(a), officer, "a.csv", a)
    b = roster_csv([person(1, 用人单位="另一家公司")])
    s2 = uploads.store_upload(evaluate(b), officer, "b.csv", b)
    assert s2.flagged == 1
    with pytest.raises(AccountError):
        uploads.withdraw_upload(s1.upload_id, officer, "  ")
    uploads.withdraw_upload(s1.upload_id, officer, "录入错误")
    with pytest.raises(AccountError):
        uploads.withdraw_upload(s1.upload_id, officer, "again")
    w = audit.entries(action="withdraw")
    assert len(w) == 1 and w["actor"].iloc[0] == officer.name and "录入错误" in w["detail"].iloc[0]
    assert len(uploads.load_rows()) == 1                               # withdrawn rows not shown
    assert len(uploads.load_rows(include_withdrawn=True)) == 3         # but never lost
    assert progress_from_db(2018)["city"]["total"] == 1
    # the same file can be uploaded again after its withdrawal, and pays again
    s3 = uploads.store_upload(evaluate(a), officer, "a.csv", a)
    assert not s3.duplicate and s3.upload_id != s1.upload_id
    f3 = s3.result.frame.set_index("name")
    # upload b had not paid person 1 (flagged), so after a's withdrawal the new upload pays both, once
    assert f3.loc["测试2", "stabilization"] > 0 and f3.loc["测试1", "stabilization"] > 0
    with reading() as conn:
        per_item = conn.execute(select(payments.c.item, func.count()).where(payments.c.active)
                                .group_by(payments.c.item)).all()
    assert {item: n for item, n in per_item if item != "rent"} == {item: 2 for item in ROW_ITEMS if item != "rent"}
    assert set(ONE_TIME_ITEMS) == {"stabilization", "family_visit", "organizer_service"}


def test_district_officer_sees_and_stores_only_its_district(db):
    ke = user("district_officer", "ke", "柯桥区")
    yue = user("district_officer", "yue", "越城区")
    city = user("city_officer")
    content = roster_csv([person(1, district="柯桥区"), person(2, district="越城区"), person(3, district="柯桥区")])
    # evaluated without the district restriction: store_upload applies it anyway
    s = uploads.store_upload(evaluate(content), ke, "ke.csv", content)
    f = s.result.frame.set_index("name")
    assert list(f["valid"]) == [True, False, True]
    assert "越城区" in f.loc["测试2", "errors"] and f.loc["测试2", "total_to_worker"] == 0
    mine = uploads.load_rows(user=ke)
    assert set(mine["work_district"]) == {"柯桥区"} and len(mine) == 2
    assert len(uploads.load_rows(user=yue)) == 0       # not even the 越城区 row 柯桥区 sent and had refused
    assert len(uploads.list_uploads(user=yue)) == 0 and len(uploads.list_uploads(user=ke)) == 1
    assert progress_from_db(2018, user=yue)["city"]["total"] == 0
    assert progress_from_db(2018, user="ke")["city"]["total"] == 2
    # a city-wide upload's rows are visible to each district for its own district only
    c2 = roster_csv([person(4, district="越城区"), person(5, district="柯桥区")])
    uploads.store_upload(evaluate(c2), city, "city.csv", c2)
    assert set(uploads.load_rows(user=yue)["name"]) == {"测试4"}
    assert set(uploads.load_rows(user=ke)["name"]) == {"测试1", "测试3", "测试5"}
    assert len(uploads.load_rows(user=city)) == 3 + 2
    with pytest.raises(AccountError):
        uploads.withdraw_upload(s.upload_id, yue, "not mine")
    leader = user("leader")
    with pytest.raises(AccountError):
        uploads.store_upload(evaluate(content), leader, "x.csv", content + b"\n")
    # raw ID numbers are never stored
    with reading() as conn:
        stored = conn.execute(select(roster_rows)).mappings().all()
    raw_ids = {person(i)["身份证号"] for i in (1, 2, 3, 4, 5)}
    assert not any(v in raw_ids for r in stored for v in r.values())
    assert {r["id_number_masked"] for r in stored} == {i[:2] + "*" * 14 + i[-2:] for i in raw_ids}


def test_progress_from_db_equals_file_based_progress(db):
    from core.synthetic import synthetic_roster

    officer = user("city_officer")
    frame = synthetic_roster(400, seed=7, year=2018, error_rate=0.05)
    content = frame.to_csv(index=False).encode("utf-8")
    result = evaluate(content)
    uploads.store_upload(result, officer, "s.csv", content)
    for year in (2018, 2019):
        assert progress_from_db(year) == progress(result.frame, year)
    stored = uploads.load_rows()
    assert list(stored["row"]) == list(result.frame["row"])
    cols = ["valid", "category", "stabilization", "rent", "total_to_worker", "work_district", "year"]
    def plain(f):
        f = f[cols].astype(object)
        return f.where(f.notna(), None)

    pd.testing.assert_frame_equal(plain(stored), plain(result.frame), check_dtype=False)


def _ledger(item: str) -> list[tuple]:
    with reading() as conn:
        return conn.execute(select(payments.c.seq, payments.c.months, payments.c.amount)
                            .where(payments.c.active, payments.c.item == item)
                            .order_by(payments.c.upload_id, payments.c.seq)).all()


def test_skill_subsidy_is_paid_once_per_level_over_uploads(db):
    """三(二) has no 一次性 (RULES.md): a later higher level pays its own amount, the same level twice
    pays once."""
    officer = user("city_officer")
    junior = roster_csv([person(1, 职业资格等级="初级工", 取证日期="2018-06-01", 培训费用="800")])
    s1 = uploads.store_upload(evaluate(junior), officer, "j.csv", junior)
    assert s1.result.frame["skill_training"].tolist() == [800]
    intermediate = roster_csv([person(1, 职业资格等级="中级工", 取证日期="2019-06-01")])
    s2 = uploads.store_upload(evaluate(intermediate), officer, "i.csv", intermediate)
    assert s2.result.frame["skill_training"].tolist() == [1500]          # another level: paid
    assert "skill_training" not in (s2.result.frame["prior_paid"].iloc[0] or "")
    again = roster_csv([person(1, 职业资格等级="中级工", 取证日期="2019-06-01", 连续工作月数="14")])
    s3 = uploads.store_upload(evaluate(again), officer, "again.csv", again)
    assert s3.result.frame["skill_training"].tolist() == [0]             # the same level: once
    assert s3.flagged == 1
    assert _ledger("skill_training") == [(1, None, 800), (2, None, 1500)]


def test_employer_months_count_once_over_uploads_up_to_the_longest_period(db):
    """The monthly-items rule (RULES.md): employer social insurance counts months inside the window,
    at most 36 per person over all uploads; a later upload counts only the months not yet counted."""
    officer = user("city_officer")
    first = roster_csv([person(1, 社保缴纳月数="20")])
    s1 = uploads.store_upload(evaluate(first), officer, "1.csv", first)
    assert s1.result.frame["employer_social_insurance_months"].tolist() == [20]
    later = roster_csv([person(1, 社保缴纳月数="38")])      # 2018-03 .. 2021-04: 38 possible
    s2 = uploads.store_upload(evaluate(later, as_of=dt.date(2021, 4, 30)), officer, "2.csv", later)
    # 2018-03 .. 2020-12 is 34 months inside the window: 14 more than the 20 already counted
    assert s2.result.frame["employer_social_insurance_months"].tolist() == [14]
    assert [m for _, m, _ in _ledger("employer_social_insurance")] == [20, 14]


def test_after_the_claim_deadline_nothing_enters_the_ledger_and_rows_say_so(db):
    """RULES.md, the claim deadline: due stays what the policy gives, nothing is payable or paid."""
    officer = user("city_officer")
    content = roster_csv([person(1), person(2)])
    summary = uploads.store_upload(evaluate(content, as_of=dt.date(2022, 1, 1)), officer, "late.csv", content)
    frame = summary.result.frame
    assert (frame["stabilization"] > 0).all() and (frame["stabilization_payable"] == 0).all()
    assert (frame["total_payable_to_worker"] == 0).all() and frame["claim_closed"].all()
    with reading() as conn:
        assert conn.execute(select(func.count()).select_from(payments)).scalar_one() == 0
    stored = uploads.load_rows()
    assert stored["claim_closed"].all() and (stored["total_payable_to_worker"] == 0).all()
    assert (stored["total_to_worker"] > 0).all()
    # the same people checked before the deadline are paid: nothing was recorded as paid late
    early = roster_csv([person(1), person(2), person(3)])
    s2 = uploads.store_upload(evaluate(early), officer, "early.csv", early)
    assert s2.flagged == 0 and (s2.result.frame["stabilization_payable"] > 0).all()


# --- what counts as the same upload: the rows read, and who stores them -------------------------

def test_same_rows_with_crlf_line_ends_are_the_same_upload(db):
    officer = user("city_officer")
    content = roster_csv([person(i, district=d) for i, d in enumerate(["柯桥区", "越城区"] * 2)])
    crlf = content.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    assert crlf != content
    first = uploads.store_upload(evaluate(content), officer, "a.csv", content)
    second = uploads.store_upload(evaluate(crlf), officer, "a-crlf.csv", crlf)
    assert second.duplicate and second.upload_id == first.upload_id
    assert len(uploads.list_uploads()) == 1 and len(uploads.load_rows()) == 4


def test_a_city_wide_file_is_stored_by_each_district_for_its_own_rows(db):
    yuecheng = user("district_officer", district="越城区")
    keqiao = user("district_officer", district="柯桥区")
    content = roster_csv([person(i, district=d) for i, d in enumerate(["柯桥区", "越城区", "嵊州市"] * 2)])
    first = uploads.store_upload(evaluate(content), yuecheng, "city.csv", content)
    second = uploads.store_upload(evaluate(content), keqiao, "city.csv", content)
    assert not second.duplicate and second.upload_id != first.upload_id
    assert sorted(uploads.load_rows(user=keqiao)["name"]) == ["测试0", "测试3"]
    assert sorted(uploads.load_rows(user=yuecheng)["name"]) == ["测试1", "测试4"]
    again = uploads.store_upload(evaluate(content), keqiao, "city-again.csv", content)
    assert again.duplicate and again.upload_id == second.upload_id


def test_different_rows_are_different_uploads_even_in_one_cell(db):
    officer = user("city_officer")
    a = roster_csv([person(1), person(2)])
    b = roster_csv([person(1), person(2, 用人单位="另一家公司")])
    first = uploads.store_upload(evaluate(a), officer, "a.csv", a)
    second = uploads.store_upload(evaluate(b), officer, "b.csv", b)
    assert not first.duplicate and not second.duplicate and second.upload_id != first.upload_id
    assert uploads.dedup_key(evaluate(a), a, officer) != uploads.dedup_key(evaluate(b), b, officer)


# --- looking up other districts' payments is audited -------------------------------------------

def test_checking_a_roster_records_who_saw_other_districts_payments(db):
    import json

    yuecheng = user("district_officer", name="yc", district="越城区")
    keqiao = user("district_officer", name="kq", district="柯桥区")
    a = roster_csv([person(1, district="越城区"), person(2, district="越城区")])
    uploads.store_upload(evaluate(a), yuecheng, "yc.csv", a)
    own = roster_csv([person(2, district="越城区", 自行租房月数="9")])
    uploads.as_stored(evaluate(own), yuecheng, own)                 # its own district's payments: nothing
    assert len(audit.entries(action="lookup_other_districts")) == 0
    moved = roster_csv([person(1, district="柯桥区"), person(2, district="柯桥区"), person(3, district="柯桥区")])
    view = uploads.as_stored(evaluate(moved), keqiao, moved)
    assert (view.result.frame["prior_paid"] != "").sum() == 2
    log = audit.entries(action="lookup_other_districts")
    assert list(log["actor"]) == ["kq"]
    detail = json.loads(log["detail"].iloc[0])
    assert detail == {"people": 2, "other_districts": ["越城区"]}
    city = user("city_officer")
    uploads.as_stored(evaluate(moved), city, moved)                 # city-wide roles see every district
    assert len(audit.entries(action="lookup_other_districts")) == 1


def test_view_then_save_of_one_result_keys_its_numbers_once(db, monkeypatch):
    """The page shows a result as stored, then saves the same result: the ID numbers are keyed
    once for both, for a district officer too (restricted rows, same order), and the stored keys
    and masks are those of the numbers themselves; a new result (another frame) is keyed again."""
    from core.db import ids

    calls = []
    real = ids.keyed_and_masked
    monkeypatch.setattr(ids, "keyed_and_masked", lambda s, key=None: calls.append(len(s)) or real(s, key))
    ke = user("district_officer", "ke", "柯桥区")
    content = roster_csv([person(1, district="柯桥区"), person(2, district="越城区"), person(3, district="柯桥区")])
    result = evaluate(content)
    view = uploads.as_stored(result, ke, content)
    stored = uploads.store_upload(result, ke, "ke.csv", content)
    assert calls == [3]
    assert list(view.result.frame["valid"]) == list(stored.result.frame["valid"]) == [True, False, True]
    with reading() as conn:
        kept = conn.execute(select(roster_rows.c.row, roster_rows.c.person_key, roster_rows.c.id_number_masked)
                            .order_by(roster_rows.c.row)).all()
    numbers = pd.Series([person(i)["身份证号"] for i in (1, 2, 3)])
    assert [k for _, k, _ in kept] == list(real(numbers)[0])
    assert [m for _, _, m in kept] == list(real(numbers)[1])
    again = roster_csv([person(1, district="柯桥区")])
    uploads.store_upload(evaluate(again), ke, "again.csv", again)
    assert calls == [3, 1]
