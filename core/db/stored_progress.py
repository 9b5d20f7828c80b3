"""Progress over the stored rows, the same for the command line (``progress --from-db``) and
the dashboard: rows of ``python -m core demo`` (``uploads.demo``) and demo events are left out
unless asked for (``--include-demo``, the dashboard's toggle), and said when they are in."""
from __future__ import annotations

import pandas as pd

from core.db.uploads import load_rows


def is_demo(frame: pd.DataFrame) -> pd.Series:
    """Which rows (stored roster rows, or events) are demo data; none when the column is absent."""
    if "demo" not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame["demo"].astype("boolean").fillna(False).astype(bool)


def without_demo(frame: pd.DataFrame | None, include_demo: bool) -> pd.DataFrame | None:
    """``frame`` as counted: its demo rows dropped unless ``include_demo``."""
    if frame is None or include_demo:
        return frame
    return frame[~is_demo(frame).to_numpy()]


def progress_rows(user=None, include_demo: bool = False) -> tuple[pd.DataFrame, int]:
    """The stored rows ``user`` may see (None: all), not withdrawn, demo rows only if asked for;
    and how many demo rows there are (counted or left out)."""
    frame = load_rows(user=user)
    demo_rows = int(is_demo(frame).sum())
    return without_demo(frame, include_demo), demo_rows


def stored_progress(year: int, user=None, include_demo: bool = False) -> tuple[dict, int]:
    """The ``progress --format json`` object over the stored rows (``progress_rows``) with the
    year's targets (``core.db.targets.get_targets``, as the dashboard), and the number of demo rows stored. With demo rows counted, the
    object's ``demo_rows`` says how many (its label)."""
    from core.db.targets import get_targets
    from core.progress import progress

    frame, demo_rows = progress_rows(user, include_demo)
    # the targets the dashboard shows: the notice's for its own years, else what was entered
    report = progress(frame, int(year), get_targets(int(year)))
    if include_demo and demo_rows:
        report["demo_rows"] = demo_rows
    return report, demo_rows
