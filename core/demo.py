"""The synthetic demo dataset of the dashboard (示例数据): a generated roster, evaluated by the
engine like any upload, and a matching table of recruitment fairs.

Nothing here is real data; every chart built from it is labelled 示例数据 (core.charts, demo=True).
Deterministic for a given seed, and cached: the dashboard's reruns reuse one evaluation.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
import pandas as pd

from core import reference
from core.engine import RosterResult, evaluate_file
from core.i18n import t
from core.synthetic import synthetic_roster

DEMO_ROWS = 4500        # about 1,500 people a year over the three years of the policy window
DEMO_SEED = 160
DEMO_ERROR_RATE = 0.02


@lru_cache(maxsize=4)
def demo_result(n: int = DEMO_ROWS, seed: int = DEMO_SEED, as_of: dt.date | None = None) -> RosterResult:
    """The synthetic roster (core.synthetic) evaluated through the same reader and engine as an
    officer's upload. Treat the result as read-only: it is shared between callers."""
    frame = synthetic_roster(n, seed=seed, error_rate=DEMO_ERROR_RATE)
    data = frame.to_csv(index=False).encode("utf-8")
    return evaluate_file(data, "demo.csv", as_of=as_of)


@lru_cache(maxsize=4)
def demo_fairs(seed: int = DEMO_SEED) -> pd.DataFrame:
    """Recruitment fairs for each year of the policy window: columns district, date, province
    (Sichuan), venue (the district's paired county), enterprise. In each year one district (a different one each year)
    holds none, so that the dashboard's flag can be seen."""
    rng = np.random.default_rng(seed)
    pol = reference.policy()
    d = reference.districts()
    names = d["name"].to_numpy()
    venues = d["paired_county"].to_numpy()
    rows = []
    for k, year in enumerate(range(pol.start.year, pol.end.year + 1)):
        skip = k % len(names)
        fairs = rng.integers(1, 4, len(names))      # 1..3 fairs per district
        fairs[skip] = 0
        for i in np.flatnonzero(fairs):
            for f in range(int(fairs[i])):
                month = int(rng.integers(3, 12))
                day = dt.date(year, month, int(rng.integers(1, 28)))
                for e in range(int(rng.integers(3, 9))):  # 3..8 enterprises take part
                    rows.append((names[i], day, venues[i], t("ui.chart.demo_enterprise", district=names[i], fair=f + 1, n=e + 1)))
    frame = pd.DataFrame(rows, columns=["district", "date", "venue", "enterprise"])
    frame.insert(2, "province", reference.helped_counties_file()["code"].str[:2].iloc[0])
    return frame
