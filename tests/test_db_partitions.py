"""Migration 0007: on PostgreSQL the ledger hash-partitioned by person and the roster rows by year,
existing data moved both ways, "paid once" still held by the partial unique index; on SQLite
nothing changes."""
from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from core.db import uploads
from core.db.models import payments, roster_rows
from core.db.session import engine, reading, transaction, utcnow
from core.synthetic import synthetic_roster
from tests.db_conftest_helpers import (  # noqa: F401  (fixtures)
    db, evaluate, pg_db, pg_server, sqlite_db, user,
)


def _migrate(direction: str, revision: str) -> None:
    from alembic import command

    from core.db.session import alembic_config

    eng = engine()
    cfg = alembic_config(eng.url.render_as_string(hide_password=False))
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, direction)(cfg, revision)


def _kinds() -> dict[str, str]:
    with reading() as conn:
        return dict(conn.execute(text(
            "SELECT relname, relkind FROM pg_class WHERE relname IN ('payments', 'roster_rows')")).all())


def _snapshot() -> tuple[pd.DataFrame, pd.DataFrame]:
    with reading() as conn:
        rows = pd.DataFrame(conn.execute(select(roster_rows).order_by(roster_rows.c.id)).mappings().all())
        led = pd.DataFrame(conn.execute(select(payments).order_by(payments.c.id)).mappings().all())
    return rows, led


def _store_some(officer, employer: str | None = None) -> None:
    for seed, year in ((51, 2018), (52, 2019)):
        frame = synthetic_roster(120, seed=seed, year=year, error_rate=0.1)
        if employer:
            frame["用人单位"] = employer
        content = frame.to_csv(index=False).encode("utf-8")
        uploads.store_upload(evaluate(content), officer, f"{seed}.csv", content)


def _second_active_payment_fails(led: pd.DataFrame) -> None:
    first = led.iloc[0]
    with pytest.raises(IntegrityError):
        with transaction() as conn:
            conn.execute(insert(payments).values(
                person_key=first["person_key"], item=first["item"], seq=int(first["seq"]), amount=1,
                upload_id=int(first["upload_id"]), row=1, active=True, created_at=utcnow()))


@pytest.mark.postgres
def test_partitioned_layout_on_postgres_moves_data_both_ways(pg_db):
    officer = user("city_officer")
    _store_some(officer)
    assert _kinds() == {"payments": "p", "roster_rows": "p"}
    rows, led = _snapshot()
    assert len(rows) == 240 and len(led) > 100 and rows["year"].isna().any()
    with reading() as conn:
        # each person's entries lie in one partition; rows of a year in that year's partition
        where = pd.DataFrame(conn.execute(text(
            "SELECT tableoid::regclass::text AS part, person_key FROM payments")).all(), columns=["part", "key"])
        years = dict(conn.execute(text(
            "SELECT tableoid::regclass::text, count(*) FROM roster_rows GROUP BY 1")).all())
    assert where.groupby("key")["part"].nunique().max() == 1 and where["part"].nunique() > 8
    assert set(years) == {"roster_rows_y2018", "roster_rows_y2019", "roster_rows_other"}
    assert years["roster_rows_other"] == rows["year"].isna().sum()
    _second_active_payment_fails(led)

    _migrate("downgrade", "0006")
    assert _kinds() == {"payments": "r", "roster_rows": "r"}
    with reading() as conn:
        keys = conn.execute(text("SELECT conname FROM pg_constraint WHERE contype = 'p' AND conrelid IN "
                                 "('payments'::regclass, 'roster_rows'::regclass) ORDER BY 1")).scalars().all()
    assert keys == ["pk_payments", "pk_roster_rows"]
    back_rows, back_led = _snapshot()
    pd.testing.assert_frame_equal(back_rows, rows)
    pd.testing.assert_frame_equal(back_led, led)
    _second_active_payment_fails(led)

    _migrate("upgrade", "head")
    assert _kinds() == {"payments": "p", "roster_rows": "p"}
    again_rows, again_led = _snapshot()
    pd.testing.assert_frame_equal(again_rows, rows)
    pd.testing.assert_frame_equal(again_led, led)
    _second_active_payment_fails(led)
    # storing goes on: ids continue from the sequences, nobody is paid twice
    _store_some(officer, employer="另一家有限公司")
    rows2, led2 = _snapshot()
    assert rows2["id"].is_unique and rows2["id"].min() == rows["id"].min() and len(rows2) == 480
    assert led2["id"].is_unique and led2["id"].min() == led["id"].min()
    assert not led2[led2["active"]].duplicated(["person_key", "item", "seq"]).any()
    once = led2[led2["item"].isin(["stabilization", "family_visit", "organizer_service"])]
    assert len(once) == len(led[led["item"].isin(["stabilization", "family_visit", "organizer_service"])])


def test_sqlite_keeps_its_plain_tables(sqlite_db):
    _store_some(user("city_officer"))
    with reading() as conn:
        before = conn.execute(text("SELECT name, sql FROM sqlite_master ORDER BY name")).all()
    rows, led = _snapshot()
    _migrate("downgrade", "0007")          # 0008 (an index) changes SQLite too; 0007 does not
    with reading() as conn:
        at_0007 = conn.execute(text("SELECT name, sql FROM sqlite_master ORDER BY name")).all()
    _migrate("downgrade", "0006")
    with reading() as conn:
        at_0006 = conn.execute(text("SELECT name, sql FROM sqlite_master ORDER BY name")).all()
    _migrate("upgrade", "head")
    with reading() as conn:
        after = conn.execute(text("SELECT name, sql FROM sqlite_master ORDER BY name")).all()
    assert at_0007 == at_0006 and before == after
    assert before != at_0007
    again_rows, again_led = _snapshot()
    pd.testing.assert_frame_equal(again_rows, rows)
    pd.testing.assert_frame_equal(again_led, led)
