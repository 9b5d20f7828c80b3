"""What the dashboard (pages/dashboard.py) reads besides stored rows: an uploaded table of
recruitment fairs (through the same checks and reading process as a roster), and the years to
choose from."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from core import i18n
from pages._common import lang, ui_text

log = logging.getLogger(__name__)

#: rows of an uploaded fairs table (one row per fair and enterprise): far more than a city holds
MAX_FAIR_ROWS = 20_000

FAIR_FIELDS = ("district", "date", "venue", "enterprise")
FAIR_OPTIONAL = ("province",)      # 省份: without it the place must name the province (core.enterprise)


class FairsReadError(ValueError):
    """A recruitment-fair table that cannot be used; the message is one sentence for the user."""


def read_fairs(data: bytes, filename: str) -> pd.DataFrame:
    """A table of recruitment fairs (one row per fair and enterprise) from .csv (UTF-8 or GBK)
    or .xlsx/.xls: headers 区县 日期 举办地 企业 (or the English field names). Districts are
    read as the roster reads them (a 绍兴市 prefix and the old names are fine)."""
    from core.normalize import parse_district
    from core.reader import RosterReadError
    from core.reader_worker import read_sheet_isolated

    try:
        # the checks of core.reader_limits, then the file parsed in the reading process, as a
        # roster is: a CSV too (a workbook's first sheet, or the CSV's text, as a frame of texts)
        frame = read_sheet_isolated(data, filename)
    except RosterReadError as exc:
        raise FairsReadError(exc.text(lang())) from None
    except Exception as exc:  # an unreadable file: one sentence, no stack trace
        log.exception("fairs table %r could not be read", filename)
        raise FairsReadError(ui_text("dashboard.fairs_unreadable")) from exc
    if len(frame) > MAX_FAIR_ROWS:
        # a city's fairs are some hundreds of rows a year; the dates below are parsed one text at
        # a time in the server process (pandas' "mixed" format), so a long table is refused first
        raise FairsReadError(i18n.t("hostile.fairs_too_many_rows", lang(), rows=f"{len(frame):,}",
                                    limit=f"{MAX_FAIR_ROWS:,}"))
    fields = FAIR_FIELDS + FAIR_OPTIONAL
    names = {ui_text(f"dashboard.fair_columns.{f}"): f for f in fields} | {f: f for f in fields}
    frame = frame.rename(columns=lambda c: names.get(str(c).strip(), str(c).strip()))
    missing = [ui_text(f"dashboard.fair_columns.{f}") for f in FAIR_FIELDS if f not in frame.columns]
    if missing:
        raise FairsReadError(ui_text("dashboard.fairs_missing_columns", columns=i18n.join_enum(missing, lang())))
    out = frame[[f for f in fields if f in frame.columns]].copy()
    blank = out.apply(lambda col: col.astype("string").str.strip().fillna("") == "").all(axis=1).to_numpy()
    out["district"] = parse_district(out["district"].astype(object)).values
    out["date"] = pd.to_datetime(out["date"].astype(str).str.strip(), errors="coerce", format="mixed")
    unread = (out["district"].isna() | out["date"].isna()).to_numpy() & ~blank
    kept = out[~unread & ~blank].reset_index(drop=True)
    kept.attrs["unread_rows"] = (np.flatnonzero(unread) + 2).tolist()   # as Excel numbers them (header row 1)
    return kept


def year_options(frame: pd.DataFrame) -> list[int]:
    """Years of first employment among the valid rows, newest first."""
    valid = frame["valid"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    years = frame.loc[valid, "year"].dropna().astype("int64").unique()
    return sorted(years.tolist(), reverse=True)


def default_year(years: list[int]) -> int | None:
    """The year the dashboard opens on: the policy's first year when present, else the newest."""
    from core.reference import policy

    first = policy().start.year
    return first if first in years else (years[0] if years else None)


def rows_of_year(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """Valid rows whose year of first employment is ``year``."""
    keep = frame["valid"].astype("boolean").fillna(False) & (frame["year"] == year).fillna(False)
    return frame[keep.to_numpy(dtype=bool)]
