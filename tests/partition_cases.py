"""A roster for the partition tests, built once per test session: ~50,000 synthetic rows
(core.synthetic, 2 % realistic errors) in which 1 in 20 rows repeats another row's ID number
re-typed (spaces inside, lower-case x, full-width digits), plus an officer's own column, blank
rows and a control character; and what the single-process command makes of it."""
from __future__ import annotations

import atexit
import datetime as dt
import io
import shutil
import json
import tempfile
from contextlib import redirect_stdout
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from core.cli import main
from core.synthetic import synthetic_roster

AS_OF = dt.date(2020, 6, 1)
ROWS = 50_000
YEARS = (2018, 2019, 2020)
_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def retyped(v: str, k: int) -> str:
    """The same number as an officer may type it again."""
    if k % 3 == 0:
        return v[:6] + " " + v[6:14] + " " + v[14:]
    if k % 3 == 1 and "X" in v:
        return v.replace("X", "x")
    return v.translate(_FULL_WIDTH)


def roster_frame(n: int = ROWS) -> pd.DataFrame:
    df = synthetic_roster(n, seed=3, error_rate=0.02)
    rng = np.random.default_rng(5)
    id_col = df.columns[1]
    ids = df[id_col].to_numpy(dtype=object)
    dup = rng.choice(n, n // 20, replace=False)
    for k, (d, s) in enumerate(zip(dup, rng.integers(0, n, len(dup)))):
        ids[d] = retyped(str(ids[s]), k)
    df[id_col] = ids
    df["备注"] = np.where(np.arange(n) % 7 == 0, "复核", None)
    df.iloc[11, 0] = "张\x01三"        # a control character: an error of that row
    blank = pd.DataFrame([[None] * df.shape[1]] * 2, columns=df.columns)
    return pd.concat([df.iloc[:500], blank, df.iloc[500:]], ignore_index=True)


def run_cli(*args: str) -> tuple[int, str]:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8")
    with redirect_stdout(out):
        code = main(list(args))
    out.flush()
    return code, raw.getvalue().decode("utf-8")


@lru_cache(maxsize=None)
def case() -> dict:
    """Paths of the roster (CSV and Parquet) and the single-process results."""
    folder = Path(tempfile.mkdtemp(prefix="partition-case-"))
    atexit.register(shutil.rmtree, folder, True)
    frame = roster_frame()
    csv_path = folder / "roster.csv"
    frame.to_csv(csv_path, index=False, encoding="utf-8-sig")
    parquet_path = folder / "roster.parquet"
    frame.astype("string").to_parquet(parquet_path, index=False)
    whole_csv = folder / "whole.csv"
    code, _ = run_cli("evaluate", str(csv_path), "--as-of", AS_OF.isoformat(), "--format", "csv", "--out", str(whole_csv))
    assert code == 0
    code, text = run_cli("evaluate", str(csv_path), "--as-of", AS_OF.isoformat(), "--format", "json")
    assert code == 0
    progress = {}
    for year in YEARS:
        code, report = run_cli("progress", str(csv_path), "--year", str(year), "--as-of", AS_OF.isoformat())
        assert code == 0
        progress[year] = json.loads(report)
    return {"folder": folder, "csv": csv_path, "parquet": parquet_path, "whole_csv": whole_csv,
            "summary": json.loads(text)["summary"], "progress": progress}
