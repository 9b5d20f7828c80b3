"""``core.engine.evaluate_roster(row_reason=False)``: the same result without the rows' summary
``reason`` (the import stores no such column, core/db/bulk_import.py)."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from core import engine
from core.reader import parse
from core.synthetic import synthetic_roster


def test_without_the_row_reason_the_rest_is_the_same():
    content = synthetic_roster(400, seed=5, error_rate=0.05).to_csv(index=False).encode("utf-8")
    raw = parse(content, "r.csv")
    as_of = dt.date(2020, 6, 30)
    full = engine.evaluate_roster(raw, as_of=as_of)
    lean = engine.evaluate_roster(raw, as_of=as_of, row_reason=False)
    assert "reason" in full.frame and "reason" not in lean.frame
    assert full.frame["reason"].astype("string").str.len().gt(0).mean() > 0.5     # a column that costs something
    pd.testing.assert_frame_equal(lean.frame, full.frame.drop(columns="reason"))
    assert lean.summary == full.summary and lean.unknown_columns == full.unknown_columns
