"""The digest of the rows read (core.db.dedup) is worked out once per result read: the page's
view of the result as stored and the save that follows share it; another reading of the same
file gives the same digest, worked out again."""
from __future__ import annotations

import gc

from core.db import dedup, uploads
from core.synthetic import synthetic_roster
from tests.db_conftest_helpers import evaluate, sqlite_db, user  # noqa: F401  (fixtures)


def test_the_digest_is_worked_out_once_for_the_view_and_the_save(sqlite_db, monkeypatch):
    officer = user("city_officer")
    content = synthetic_roster(50, seed=3).to_csv(index=False).encode("utf-8")
    result = evaluate(content)
    calls = []
    real = dedup._digest_of_rows
    monkeypatch.setattr(dedup, "_digest_of_rows", lambda raw: calls.append(id(raw)) or real(raw))
    view = uploads.as_stored(result, officer, content)
    saved = uploads.store_upload(result, officer, "a.csv", content)
    assert len(calls) == 1 and view.upload_id is None and not saved.duplicate
    again = evaluate(content)                     # the same file read again: a new reading
    assert uploads.store_upload(again, officer, "b.csv", content).duplicate
    assert len(calls) == 2 and dedup.dedup_key(again, content, officer) == dedup.dedup_key(result, content, officer)
    assert dedup._rows_digest(result, content) == real(result.raw)
    ident = id(again.raw)
    del again
    gc.collect()
    assert ident not in dedup._DIGESTS           # forgotten with the reading
