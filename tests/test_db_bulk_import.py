"""The command line's import in batches of whole people (core/db/bulk_import.py): the same stored
rows, ledger and uploads as storing the whole roster evaluated at once, over uploads that pay the
same people again and rosters whose repeated ID numbers are typed differently (spaces, a
lower-case x, full-width digits); each batch evaluated alone; concurrent imports paying each
person once; and the ID keys and masks computed once per roster (core/db/ids.py)."""
from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from core import engine
from core.db import bulk_import, ids, uploads
from core.reader import parse
from core.synthetic import synthetic_roster
from tests.db_conftest_helpers import (  # noqa: F401  (fixtures)
    CHECK_DAY, db, evaluate, pg_db, pg_server, sqlite_db, user,
)
from tests.test_db_bulk import _check_ledger_and_rows_agree, _dump, _empty_storage

FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def _retyped(number: str, how: int) -> str:
    """The same ID number as another officer might type it."""
    if how == 0:
        return f"{number[:6]} {number[6:14]} {number[14:]}"
    if how == 1:
        return number.lower() if number.endswith("X") else " " + number + " "
    return number[:6].translate(FULL) + number[6:].lower()


def _rosters() -> list[tuple[str, bytes]]:
    """Three rosters of the same people: errors (5 %), every 7th person repeated later in the same
    file with the number re-typed; the second more months for half of them (cumulative), the
    third the first again under another employer, with the numbers re-typed."""
    first = synthetic_roster(300, seed=41, year=2018, error_rate=0.05)
    repeats = first.iloc[::7].copy()
    repeats["身份证号"] = [_retyped(str(x), i % 3) for i, x in enumerate(repeats["身份证号"])]
    first = pd.concat([first, repeats], ignore_index=True)
    later = first.iloc[:300:2].copy()
    for col in ("自行租房月数", "社保缴纳月数"):
        later[col] = (pd.to_numeric(later[col], errors="coerce") + 6).astype("Int64").astype("string")
    second = pd.concat([later, synthetic_roster(120, seed=42, year=2019, error_rate=0.05)], ignore_index=True)
    third = first.assign(用人单位="另一家有限公司")
    third["身份证号"] = [_retyped(str(x), (i + 1) % 3) if i % 2 else x for i, x in enumerate(third["身份证号"])]
    return [(f"r{i}.csv", f.to_csv(index=False).encode("utf-8")) for i, f in enumerate((first, second, third))]


def _stream(who, name: str, content: bytes, batch_rows: int):
    return bulk_import.store_streaming(parse(content, name), content, who, name, as_of=CHECK_DAY,
                                       batch_rows=batch_rows)


def test_streaming_import_stores_what_the_whole_roster_import_stored(db, monkeypatch):
    officer = user("city_officer")
    district = user("district_officer", name="kq", district="柯桥区")
    rosters = _rosters()
    jobs = [(officer, *r) for r in rosters] + [(district, "kq.csv", rosters[1][1])]
    # the command line evaluated a district officer's roster for its district, as the page does
    whole = [uploads.store_upload(evaluate(c, n, district=who.district), who, n, c) for who, n, c in jobs]
    old = _dump()
    _empty_storage()

    sizes = []
    real = bulk_import._evaluate_batch

    def counted(sub, *args, **kw):
        sizes.append(len(sub.frame))
        return real(sub, *args, **kw)

    monkeypatch.setattr(bulk_import, "_evaluate_batch", counted)
    summaries = []          # the rows' summary (reason), which the page builds and nothing stores
    real_summaries = engine._row_summaries
    monkeypatch.setattr(engine, "_row_summaries", lambda *a, **k: summaries.append(1) or real_summaries(*a, **k))
    streamed = [_stream(who, n, c, batch_rows=60) for who, n, c in jobs]
    new = _dump()
    assert summaries == []  # the import leaves it out; what it stores is unchanged (below)
    # several batches an upload, none much larger than asked (the keys spread people evenly)
    assert len(sizes) >= 4 * 4 and max(sizes) < 3 * 60
    assert [s.upload_id for s in streamed] == [s.upload_id for s in whole] == [1, 2, 3, 4]
    # real work: repeated numbers are errors, earlier payments set to 0 in later uploads
    assert [s.flagged for s in streamed] == [s.flagged for s in whole] and all(s.flagged > 50 for s in streamed[1:3])
    repeated = old["rows"]["errors"].str.contains("重复", regex=False)
    assert repeated.sum() >= 2 * 43
    for name in ("rows", "payments", "uploads"):
        pd.testing.assert_frame_equal(new[name], old[name], check_dtype=False, obj=name)
    assert [(s.rows, s.valid, s.errors, s.total_to_worker) for s in streamed] == \
        [(s.rows, s.valid, s.errors, s.total_to_worker) for s in whole]
    _check_ledger_and_rows_agree()


def test_batches_cut_by_the_number_as_typed_would_store_other_rows(db, monkeypatch):
    """The negative control: rows put in batches by row number (a re-typed repeat then lands in
    another batch than its first row) are not stored as the whole roster is."""
    officer = user("city_officer")
    name, content = _rosters()[0]
    uploads.store_upload(evaluate(content, name), officer, name, content)
    old = _dump()
    _empty_storage()
    monkeypatch.setattr(bulk_import, "key_batches", lambda keys, rows, n: np.asarray(rows, dtype=np.int64) % n)
    _stream(officer, name, content, batch_rows=60)
    new = _dump()
    assert not new["rows"]["errors"].equals(old["rows"]["errors"])


def test_the_same_file_again_is_the_upload_the_page_stored(db):
    officer = user("city_officer")
    name, content = _rosters()[1]
    first = uploads.store_upload(evaluate(content, name), officer, name, content)
    again = _stream(officer, "again.csv", content, batch_rows=50)
    assert again.duplicate and again.upload_id == first.upload_id


def test_concurrent_streaming_imports_pay_each_person_once(db):
    officer = user("city_officer")
    base = synthetic_roster(400, seed=43, year=2018)
    a = base.iloc[:300].to_csv(index=False).encode("utf-8")
    b = base.iloc[100:].assign(用人单位="乙公司").to_csv(index=False).encode("utf-8")
    barrier = threading.Barrier(2)
    out, errors = [None, None], []

    def run(i, name, content, batch_rows):
        try:
            barrier.wait()
            out[i] = _stream(officer, name, content, batch_rows)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(0, "a.csv", a, 40)), threading.Thread(target=run, args=(1, "b.csv", b, 70))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(300)
    assert not errors, errors
    led = _check_ledger_and_rows_agree()
    paid = led[led["item"] == "stabilization"]["person_key"]
    eligible = pd.concat([evaluate(a, "a.csv").frame, evaluate(b, "b.csv").frame])
    assert paid.nunique() == len(paid) == eligible.loc[eligible["stabilization"] > 0, "id_number"].nunique()
    assert 0 < sum(s.flagged for s in out) <= 200


def test_batches_follow_the_person_key_in_ascending_ranges():
    keys = pd.Series(["00" * 32, "7f" + "0" * 62, "80" + "0" * 62, "ff" * 32, None, None], dtype="string")
    got = bulk_import.key_batches(keys, np.array([2, 3, 4, 5, 6, 7]), 4)
    assert got.tolist() == [0, 1, 2, 3, 6 % 4, 7 % 4]
    assert bulk_import.batch_count(1, 100) == 1 and bulk_import.batch_count(250, 100) == 3


@pytest.mark.parametrize("number", ["51322619900101001X"])
def test_keys_and_masks_of_retyped_numbers_are_computed_once_and_agree(number, monkeypatch):
    typed = pd.Series([number, _retyped(number, 0), _retyped(number, 1), _retyped(number, 2), "12345", "ａｂｃｄｅｆｇｈｉｊ",
                       "", None], dtype="string")
    calls = []
    real = ids._normalise
    monkeypatch.setattr(ids, "_normalise", lambda s: calls.append(len(s)) or real(s))
    keys, masked = ids.keyed_and_masked(typed, key=b"k")
    assert calls == [len(typed)]
    assert keys.iloc[:4].nunique() == 1 and keys.iloc[4] != keys.iloc[0] and keys.iloc[6:].isna().all()
    assert keys.equals(ids.person_keys(typed, key=b"k"))
    assert masked.tolist()[:6] == ["51**************1X"] * 4 + ["*****", "AB******IJ"]
    assert masked.iloc[6:].isna().all() and masked.equals(ids.masked(typed))


def test_a_batch_whose_rows_fail_leaves_nothing_stored(db, monkeypatch):
    """The rows of a batch are written on another thread on PostgreSQL: its failure still ends
    the import, and the transaction leaves no upload, row or payment behind."""
    officer = user("city_officer")
    name, content = _rosters()[0]
    calls = []
    real = bulk_import._write_rows

    def failing(conn, frame, upload_id):
        calls.append(len(frame))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(conn, frame, upload_id)

    monkeypatch.setattr(bulk_import, "_write_rows", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        _stream(officer, name, content, batch_rows=60)
    dump = _dump()
    assert len(calls) == 2 and all(len(dump[k]) == 0 for k in ("rows", "payments", "uploads"))


def _row_foreign_keys() -> list[str]:
    from sqlalchemy import text

    from core.db.session import reading

    with reading() as conn:
        return conn.execute(text("SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid IN "
                                 "('payments'::regclass, 'roster_rows'::regclass) ORDER BY 1")).scalars().all()


@pytest.mark.postgres
def test_postgres_keeps_no_foreign_key_per_row_but_an_upload_named_by_rows_stays(pg_db):
    """Migration 0009: no foreign key check per stored row; an upload that rows or ledger entries
    name cannot be deleted or renumbered; one nothing names can; the downgrade restores the keys."""
    from sqlalchemy import delete, insert, text, update
    from sqlalchemy.exc import IntegrityError

    from core.db.models import uploads as uploads_table
    from core.db.session import transaction, utcnow
    from tests.test_db_partitions import _migrate

    assert _row_foreign_keys() == []
    officer = user("city_officer")
    name, content = _rosters()[0]
    stored = _stream(officer, name, content, batch_rows=100)
    for change in (delete(uploads_table).where(uploads_table.c.id == stored.upload_id),
                   update(uploads_table).where(uploads_table.c.id == stored.upload_id).values(id=999)):
        with pytest.raises(IntegrityError, match="named by stored rows"):
            with transaction() as conn:
                conn.execute(change)
    with transaction() as conn:      # withdrawing (an update of other columns) is not refused
        conn.execute(update(uploads_table).where(uploads_table.c.id == stored.upload_id).values(filename="x.csv"))
        bare = conn.execute(insert(uploads_table).values(
            username="u", role="city_officer", filename="empty.csv", content_hash="0" * 64, size=0,
            uploaded_at=utcnow(), rows=0, valid=0, errors=0, blank_rows=0, flagged=0, total_to_worker=0,
            demo=False).returning(uploads_table.c.id)).scalar_one()
        conn.execute(delete(uploads_table).where(uploads_table.c.id == bare))
    _migrate("downgrade", "0008")
    assert _row_foreign_keys() == ["fk_payments_upload_id_uploads", "fk_roster_rows_upload_id_uploads"]
    _migrate("upgrade", "head")
    assert _row_foreign_keys() == []
    with transaction() as conn:
        assert conn.execute(text("SELECT count(*) FROM roster_rows")).scalar_one() == len(_dump()["rows"]) > 300


@pytest.mark.postgres
def test_a_conflicting_batch_redoes_its_ledger_step_only(pg_db, monkeypatch):
    """While the import's first batch has looked up the ledger, another upload of the same people
    commits: that batch's ledger step meets the unique index and is done again (now seeing the
    other's payments); every batch's rows are written once; nobody is paid twice."""
    import threading as th

    from core.db.ledger import apply_prior_payments

    officer = user("city_officer")
    base = synthetic_roster(200, seed=44, year=2018)
    a = base.to_csv(index=False).encode("utf-8")
    b = base.assign(用人单位="乙公司").to_csv(index=False).encode("utf-8")
    ra = evaluate(a, "a.csv")
    calls = {"ledger": 0, "rows": 0}
    stored_a = {}
    real_rows = bulk_import._write_rows

    def adjust(frame, conn, *args, **kw):
        calls["ledger"] += 1
        out = apply_prior_payments(frame, conn, *args, **kw)
        if calls["ledger"] == 1:
            monkeypatch.setattr(uploads, "apply_prior_payments", apply_prior_payments)
            other = th.Thread(target=lambda: stored_a.update(s=uploads.store_upload(ra, officer, "a.csv", a)))
            other.start()
            other.join(120)
            monkeypatch.setattr(uploads, "apply_prior_payments", adjust)
        return out

    def rows_once(conn, frame, upload_id):
        calls["rows"] += 1
        return real_rows(conn, frame, upload_id)

    monkeypatch.setattr(uploads, "apply_prior_payments", adjust)
    monkeypatch.setattr(bulk_import, "_write_rows", rows_once)
    sb = _stream(officer, "b.csv", b, batch_rows=50)
    sa = stored_a["s"]
    batches = calls["rows"]
    assert batches >= 3 and calls["ledger"] == batches + 1
    assert sa.flagged == 0 and sb.flagged > 100 and sb.total_to_worker < sa.total_to_worker / 10
    led = _check_ledger_and_rows_agree()
    assert set(led.loc[led["item"] == "stabilization", "upload_id"]) == {sa.upload_id}
