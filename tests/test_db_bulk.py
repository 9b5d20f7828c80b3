"""Storing in bulk (core/db/bulk.py): the same rows and payments as the row-by-row code it
replaced, a conflicting ledger step done again without writing the rows again, and concurrent
imports of the same people paying each of them once, with the stored rows saying who paid."""
from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import insert, select, text, update

from core.db import bulk, uploads
from core.db.ledger import apply_prior_payments
from core.db.models import ROW_ITEMS, payments, roster_rows
from core.db.session import reading, transaction, utcnow
from core.items import ONCE, REGISTRY
from core.synthetic import synthetic_roster
from core.validate import SEP
from tests.db_conftest_helpers import (  # noqa: F401  (fixtures)
    db, evaluate, pg_db, pg_server, sqlite_db, user,
)

ONCE_ITEMS = [i.code for i in REGISTRY if i.frequency == ONCE]


# --- the row-by-row code this replaced (one parameter mapping per row, SQLAlchemy executemany) ---

def _py_column(values) -> np.ndarray:
    s = pd.Series(values)
    return np.where(s.isna().to_numpy(), None, s.astype(object).to_numpy())


def _param_records(columns: dict) -> list[dict]:
    names = list(columns)
    arrays = [_py_column(columns[n]) for n in names]
    return [dict(zip(names, row)) for row in zip(*arrays)]


def _old_records(frame: pd.DataFrame, upload_id: int) -> list[dict]:
    n = len(frame)
    cols: dict = {}
    for col in bulk.ROW_COLUMNS:
        v = frame[col] if col in frame else pd.Series([None] * n, index=frame.index, dtype=object)
        if col in bulk.DATE_COLUMNS:
            d = pd.to_datetime(v, errors="coerce")
            v = pd.Series(d.dt.date.to_numpy(dtype=object), index=frame.index).where(d.notna().to_numpy(), None)
        elif col in bulk.INT_COLUMNS:
            v = pd.to_numeric(v, errors="coerce").fillna(0).astype("int64")
        elif col in bulk.NULLABLE_INT:
            v = pd.to_numeric(v, errors="coerce").astype("Int64")
        elif col == "training_cost":
            v = pd.to_numeric(v, errors="coerce").astype("float64")
        elif col == "valid":
            v = v.astype(bool)
        elif col in ("sichuan_helped", "registered_poor", "claim_closed"):
            v = v.astype("boolean")
        else:
            v = v.astype("string")
        cols[col] = v
    cols["upload_id"] = np.full(n, upload_id)
    return _param_records(cols)


def _old_store(result, user_, filename: str, content: bytes) -> int:
    """store_upload as it was: adjust, then the upload, the ledger and the rows, row by row."""
    digest = uploads.dedup_key(result, content, user_)
    frame = uploads._keyed(result, user_)
    with transaction() as conn:
        adjusted, ledger = apply_prior_payments(frame, conn)
        summ = uploads._summary_of(adjusted)
        now = utcnow()
        upload_id = conn.execute(insert(uploads.uploads).values(
            username=user_.name, role=user_.role, district=user_.district, filename=filename, content_hash=digest,
            size=len(content), uploaded_at=now, rows=summ["rows"], valid=summ["valid"], errors=summ["errors"],
            blank_rows=int(result.summary.get("blank_rows", 0) or 0), flagged=adjusted.attrs.get("flagged", 0),
            total_to_worker=summ["total_to_worker"], demo=False, as_of=uploads._as_of(result),
            total_payable_to_worker=summ["total_payable_to_worker"]).returning(uploads.uploads.c.id)).scalar_one()
        if len(ledger):
            conn.execute(insert(payments), _param_records({
                "person_key": ledger["person_key"], "item": ledger["item"], "seq": ledger["seq"].astype("int64"),
                "months": pd.to_numeric(ledger["months"]).astype("Int64"), "amount": ledger["amount"].astype("int64"),
                "row": ledger["row"].astype("int64"), "upload_id": np.full(len(ledger), upload_id),
                "active": np.full(len(ledger), True), "created_at": np.full(len(ledger), now, dtype=object)}))
        conn.execute(insert(roster_rows), _old_records(adjusted, upload_id))
    return upload_id


# --- what the database holds ---------------------------------------------------------------------

def _dump() -> dict[str, pd.DataFrame]:
    with reading() as conn:
        rows = pd.DataFrame(conn.execute(select(*[c for c in roster_rows.c if c.name != "id"])
                                         .order_by(roster_rows.c.upload_id, roster_rows.c.row)).mappings().all())
        led = pd.DataFrame(conn.execute(select(*[c for c in payments.c if c.name not in ("id", "created_at")])
                                        .order_by(payments.c.upload_id, payments.c.person_key, payments.c.item,
                                                  payments.c.seq)).mappings().all())
        ups = pd.DataFrame(conn.execute(select(*[c for c in uploads.uploads.c if c.name != "uploaded_at"])
                                        .order_by(uploads.uploads.c.id)).mappings().all())
    return {"rows": rows.reset_index(drop=True), "payments": led.reset_index(drop=True), "uploads": ups}


def _empty_storage() -> None:
    with transaction() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE payments, roster_rows, uploads RESTART IDENTITY CASCADE"))
        else:
            for name in ("payments", "roster_rows", "uploads"):
                conn.execute(text(f"DELETE FROM {name}"))


def _rosters() -> list[tuple[str, bytes]]:
    """Three rosters with the same people across them: 5 % rows with errors (repeated ID numbers
    inside a file among them), the second with half of the first's people and more rented and
    insured months (cumulative), the third the first again under another employer."""
    first = synthetic_roster(300, seed=11, year=2018, error_rate=0.05)
    new = synthetic_roster(150, seed=12, year=2019, error_rate=0.05)
    later = first.iloc[::2].copy()
    for col in ("自行租房月数", "社保缴纳月数"):
        later[col] = (pd.to_numeric(later[col], errors="coerce") + 6).astype("Int64").astype("string")
    second = pd.concat([later, new], ignore_index=True)
    third = first.assign(用人单位="另一家有限公司")
    return [(f"r{i}.csv", f.to_csv(index=False).encode("utf-8")) for i, f in enumerate((first, second, third))]


def test_bulk_storing_keeps_what_row_by_row_storing_kept(db):
    officer = user("city_officer")
    district = user("district_officer", name="kq", district="柯桥区")
    jobs = [(officer, *r) for r in _rosters()] + [(district, "kq.csv", _rosters()[1][1])]
    results = [evaluate(content, name) for _, name, content in jobs]
    for (who, name, content), result in zip(jobs, results):
        _old_store(result, who, name, content)
    old = _dump()
    _empty_storage()
    summaries = [uploads.store_upload(result, who, name, content)
                 for (who, name, content), result in zip(jobs, results)]
    new = _dump()
    assert [s.upload_id for s in summaries] == [1, 2, 3, 4]
    # real work was done: people paid earlier were set to 0 in every later upload
    assert [s.flagged for s in summaries][1:] == list(old["uploads"]["flagged"])[1:]
    assert all(s.flagged > 50 for s in summaries[1:3]) and summaries[0].flagged == 0
    assert len(old["rows"]) == 300 + 300 + 300 + len(results[3].frame) and len(old["payments"]) > 500
    for name in ("rows", "payments", "uploads"):
        pd.testing.assert_frame_equal(new[name], old[name], check_dtype=False, obj=name)
    # the rows read back through the app's own reader the same way too
    loaded = uploads.load_rows(include_withdrawn=True)
    assert len(loaded) == len(new["rows"]) and set(loaded["upload_id"]) == {1, 2, 3, 4}


def _check_ledger_and_rows_agree() -> pd.DataFrame:
    """Each person paid an item once; every ledger entry is the amount of the stored row it
    names; every payable amount of a stored row has its entry; a row set to 0 because an earlier
    upload paid names that item, and another upload holds the payment."""
    with reading() as conn:
        rows = pd.DataFrame(conn.execute(select(roster_rows)).mappings().all())
        led = pd.DataFrame(conn.execute(select(payments).where(payments.c.active)).mappings().all())
    assert not led.duplicated(["person_key", "item", "seq"]).any()
    assert not led[led["item"].isin(ONCE_ITEMS)].duplicated(["person_key", "item"]).any()
    by_row = rows.set_index(["upload_id", "row"])
    for entry in led.itertuples():
        assert by_row.loc[(entry.upload_id, entry.row), entry.item] == entry.amount
    open_ = rows[rows["valid"].astype(bool) & ~rows["claim_closed"].fillna(False).astype(bool)]
    entries = set(zip(led["upload_id"], led["row"], led["item"]))
    for item in ROW_ITEMS:
        paying = open_[open_[item] > 0]
        assert {(u, r, item) for u, r in zip(paying["upload_id"], paying["row"])} <= entries, item
    payers = led.groupby(["person_key", "item"])["upload_id"].apply(set)
    for r in rows[rows["prior_paid"] != ""].itertuples():
        for item in r.prior_paid.split(SEP):
            assert payers[(r.person_key, item)] - {r.upload_id}, (r.person_key, item)
    return led


def test_concurrent_imports_of_the_same_people_pay_each_once(db):
    """Two imports at the same moment, half of their people the same: each person paid once,
    whoever came first, and the other's rows say so."""
    officer = user("city_officer")
    base = synthetic_roster(400, seed=21, year=2018)
    a = base.iloc[:300].to_csv(index=False).encode("utf-8")
    b = base.iloc[100:].assign(用人单位="乙公司").to_csv(index=False).encode("utf-8")
    evaluated = [evaluate(a, "a.csv"), evaluate(b, "b.csv")]
    barrier = threading.Barrier(2)
    out, errors = [None, None], []

    def run(i, name, content):
        try:
            barrier.wait()
            out[i] = uploads.store_upload(evaluated[i], officer, name, content)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, n, c)) for i, (n, c) in enumerate([("a.csv", a), ("b.csv", b)])]
    for th in threads:
        th.start()
    for th in threads:
        th.join(300)
    assert not errors, errors
    led = _check_ledger_and_rows_agree()
    paid_people = led[led["item"] == "stabilization"]["person_key"]
    eligible = pd.concat([r.frame for r in evaluated])
    eligible = eligible[eligible["stabilization"] > 0]["id_number"].nunique()
    assert paid_people.nunique() == len(paid_people) == eligible
    overlap_flagged = sum(s.flagged for s in out)
    assert 0 < overlap_flagged <= 200


@pytest.mark.postgres
def test_a_conflicting_ledger_step_is_done_again_without_the_rows(pg_db, monkeypatch):
    """Upload B computes its ledger while A, with the same people, commits its own: B's entries
    meet the unique index, its ledger step alone is undone and done again (now seeing A's
    payments), and B's rows are written once."""
    officer = user("city_officer")
    base = synthetic_roster(200, seed=31, year=2018)
    a = base.to_csv(index=False).encode("utf-8")
    b = base.assign(用人单位="乙公司").to_csv(index=False).encode("utf-8")
    ra, rb = evaluate(a, "a.csv"), evaluate(b, "b.csv")
    calls = {"ledger": 0, "rows": 0}
    real_adjust, real_rows = uploads.apply_prior_payments, uploads._write_rows
    stored_a = {}

    def adjust(frame, conn, *args, **kw):
        calls["ledger"] += 1
        out = real_adjust(frame, conn, *args, **kw)
        if calls["ledger"] == 1:                  # B has found no earlier payment; A stores now
            monkeypatch.setattr(uploads, "apply_prior_payments", real_adjust)
            monkeypatch.setattr(uploads, "_write_rows", real_rows)
            th = threading.Thread(target=lambda: stored_a.update(s=uploads.store_upload(ra, officer, "a.csv", a)))
            th.start()
            th.join(120)
            monkeypatch.setattr(uploads, "apply_prior_payments", adjust)
            monkeypatch.setattr(uploads, "_write_rows", rows_once)
        return out

    def rows_once(conn, frame, upload_id):
        calls["rows"] += 1
        return real_rows(conn, frame, upload_id)

    monkeypatch.setattr(uploads, "apply_prior_payments", adjust)
    monkeypatch.setattr(uploads, "_write_rows", rows_once)
    sb = uploads.store_upload(rb, officer, "b.csv", b)
    sa = stored_a["s"]
    assert calls == {"ledger": 2, "rows": 1}
    led = _check_ledger_and_rows_agree()
    once_items = led[led["item"].isin(ONCE_ITEMS)]
    assert sa.flagged == 0 and set(once_items["upload_id"]) == {sa.upload_id}   # B paid nothing A had paid
    a_paid = set(led.loc[(led["upload_id"] == sa.upload_id) & (led["item"] == "stabilization"), "row"])
    frame_b = sb.result.frame
    assert (frame_b.loc[frame_b["valid"], "stabilization"] == 0).all()
    once = frame_b["prior_paid"].str.contains("stabilization", regex=False)
    assert set(frame_b.loc[once, "row"]) == a_paid and len(a_paid) > 100
    assert frame_b.loc[once, "warnings"].str.contains(f"第{sa.upload_id}号", regex=False).all()
    _check_ledger_and_rows_agree()
    with reading() as conn:
        counts = dict(conn.execute(text("SELECT upload_id, count(*) FROM roster_rows GROUP BY upload_id")).all())
    assert counts == {sa.upload_id: 200, sb.upload_id: 200}


def test_bulk_writer_reports_a_unique_index_as_an_integrity_error(db):
    from sqlalchemy.exc import IntegrityError

    officer = user("city_officer")
    content = synthetic_roster(20, seed=41).to_csv(index=False).encode("utf-8")
    s = uploads.store_upload(evaluate(content), officer, "a.csv", content)
    with reading() as conn:
        led = pd.DataFrame(conn.execute(select(payments.c.person_key, payments.c.item, payments.c.seq,
                                               payments.c.months, payments.c.amount, payments.c.row)).all(),
                           columns=["person_key", "item", "seq", "months", "amount", "row"])
    assert len(led)
    with pytest.raises(IntegrityError):
        with transaction() as conn:
            bulk.write_ledger(conn, led.iloc[:3], s.upload_id, utcnow())
    with transaction() as conn:            # released: written again once the others are inactive
        conn.execute(update(payments).values(active=False))
        assert bulk.write_ledger(conn, led, s.upload_id, utcnow()) == len(led)
