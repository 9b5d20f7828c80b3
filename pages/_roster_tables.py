"""The roster's tables as the pages show them: ID numbers masked, the rows to show, the result
table in the order an officer reads a row, each item's total, the rows with errors. Plain pandas
in, plain pandas out (unit-tested in tests/test_app_common.py); every cell through
``core.cells.neutralise``, since a table's CSV download is written as shown."""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.cells import neutralise
from core.items import ITEMS, WORKER_ITEMS
from core.output import item_total
from core.reference_names import column_header
from core.validate import readable
from pages._common import item_title, lang, ui_text


def mask_ids(ids: pd.Series) -> pd.Series:
    """ID numbers masked for the screen: the region code and the last four characters stay and
    the middle becomes eight stars (``513226********123X``); a value shorter than 11 characters
    is shown as stars only. Blank stays blank."""
    s = ids.astype("string").str.strip().fillna("")
    n = s.str.len()
    masked = s.str.slice_replace(6, -4, "*" * 8)
    masked = masked.mask(n < 11, "*" * 4)
    return masked.mask(n == 0, "")


def row_filter(frame: pd.DataFrame, errors_only: bool = False, query: str = "") -> np.ndarray:
    """Which rows to show (a boolean array): rows with errors only, and/or rows whose name or
    full ID number contains ``query`` (the search sees the real number; the screen shows it masked)."""
    keep = pd.Series(True, index=frame.index)
    if errors_only:     # whole-row errors and errors of single items: every row with a 错误 to read
        keep &= ~frame["valid"].astype("boolean").fillna(False) | _has_errors(frame)
    query = (query or "").strip()
    if query:
        name = frame["name"].astype("string").fillna("")
        ident = frame["id_number"].astype("string").fillna("").str.upper()
        keep &= name.str.contains(query, regex=False) | ident.str.contains(query.upper(), regex=False)
    return keep.to_numpy(dtype=bool)


def _has_errors(frame: pd.DataFrame) -> pd.Series:
    """Rows with an error text: invalid rows, and valid rows where a value feeds only some items."""
    return frame["errors"].astype("string").fillna("") != ""


def _header(field: str) -> str:
    """A roster column's name in the page's language (data/columns.yaml: header, header_en)."""
    return column_header(field, lang())


DISPLAY_INPUT_FIELDS = ("name", "id_number", "home_province", "home_county", "registered_poor",
                        "first_employment_date", "work_district", "employer")


def display_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The result table as shown on screen, in the order an officer reads a row: the verdict,
    who (姓名, the masked ID number), the worker's total, why (errors, the reasons, warnings),
    then the row number, the other inputs, one amount column per item. Chinese headers, status
    words; whole columns, no per-row Python (the download keeps ROSTER.md's order)."""
    out = pd.DataFrame(index=frame.index)
    valid = frame["valid"].astype("boolean").fillna(False)
    # a valid row whose error touches only some items (RULES.md) is not shown as plain 通过
    verdict = np.where(_has_errors(frame).to_numpy(), ui_text("table.item_error"), ui_text("table.ok"))
    out[ui_text("table.valid")] = np.where(valid.to_numpy(), verdict, ui_text("table.error"))
    for name in ("name", "id_number"):
        if name in frame.columns:
            values = mask_ids(frame[name]) if name == "id_number" else frame[name]
            out[_header(name)] = values.astype("string").fillna("").to_numpy()
    if "total_to_worker" in frame.columns:
        out[ui_text("table.total_to_worker")] = pd.to_numeric(frame["total_to_worker"], errors="coerce").fillna(0).astype("int64").to_numpy()
    out[ui_text("table.errors")] = readable(frame["errors"], lang())
    if "reason" in frame.columns:
        out[ui_text("table.reason")] = frame["reason"].astype("string").fillna("").to_numpy()
    if "warnings" in frame.columns:   # e.g. "already paid in upload 1": why an amount is 0
        out[ui_text("table.warnings")] = readable(frame["warnings"], lang())
    out[ui_text("table.row")] = frame["row"].to_numpy()
    for name in DISPLAY_INPUT_FIELDS:
        if name not in frame.columns or name in ("name", "id_number"):
            continue
        values = frame[name]
        if name == "registered_poor":
            values = values.astype("boolean").map({True: ui_text("common.yes"), False: ui_text("common.no")}).astype("string")
        elif name == "first_employment_date":
            values = pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m-%d").astype("string")
        out[_header(name)] = values.astype("string").fillna("").to_numpy()
    if "category" in frame.columns:
        cats = frame["category"].astype("string")
        labels = {c: ui_text(f"category.{c}") for c in ("paired_four", "other_central_western", "not_counted")}
        out[ui_text("table.category")] = cats.map(labels).astype("string").to_numpy()
    for item in ITEMS:
        if item in frame.columns:
            out[item_title(item)] = pd.to_numeric(frame[item], errors="coerce").fillna(0).astype("int64").to_numpy()
    if "total_payable_to_worker" in frame.columns:
        out[ui_text("table.total_payable_to_worker")] = pd.to_numeric(
            frame["total_payable_to_worker"], errors="coerce").fillna(0).astype("int64").to_numpy()
    if "claim_closed" in frame.columns:     # every row says whether what is due can still be paid
        closed = frame["claim_closed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        out[ui_text("table.claim_status")] = pd.Categorical.from_codes(
            closed.astype("int8"), categories=[ui_text("table.claim_open"), ui_text("table.claim_closed")])
    return neutralise(out.reset_index(drop=True))      # the table's CSV download cannot run formulas


def amount_columns(table: pd.DataFrame) -> list[str]:
    """The headers of ``display_table``'s amount columns (yuan): the worker's totals and each item."""
    names = [ui_text("table.total_to_worker"), ui_text("table.total_payable_to_worker")]
    names += [item_title(item) for item in ITEMS]
    return [name for name in names if name in table.columns]


def summary_table(summary: dict) -> pd.DataFrame:
    """Each item's total, as a two-column table: the items paid to the workers, their sum, then
    the items paid to organisers and employers (so the column adds up where it says 合计)."""
    amounts = summary.get("amounts", {}) or {}
    payable = summary.get("payable", {}) or {}
    to_worker = [item for item in ITEMS if item in amounts and item in WORKER_ITEMS]
    to_others = [item for item in ITEMS if item in amounts and item not in WORKER_ITEMS]

    def paid(item):     # what can be paid on the day of the check; nothing where no amount is set
        return None if item_total(summary, item) is None else int(payable.get(item, item_total(summary, item)))

    labels = [item_title(item) for item in to_worker]    # short enough for a phone; 未配置 says the rest
    totals = [item_total(summary, item) for item in to_worker]
    payables = [paid(item) for item in to_worker]
    labels.append(ui_text("table.total_to_worker"))
    totals.append(int(summary.get("total_to_worker", 0) or 0))
    payables.append(int(summary.get("total_payable_to_worker", totals[-1]) or 0))
    labels += [item_title(item) for item in to_others]
    totals += [item_total(summary, item) for item in to_others]
    payables += [paid(item) for item in to_others]
    # yuan with thousands separators; an amount left to an unset local standard says so

    def shown(values):
        return [f"{v:,}" if v is not None else ui_text("common.not_set") for v in values]
    return pd.DataFrame({ui_text("summary.item"): labels, ui_text("summary.amount"): shown(totals),
                         ui_text("summary.payable"): shown(payables)})


def error_list(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with errors, of the whole row or of some items, as (row number, 姓名, masked ID
    number, the reasons in Chinese), in input order: the officer finds the person, not only the
    line of the file."""
    sub = frame.loc[_has_errors(frame).to_numpy()]
    out = {ui_text("table.row"): sub["row"].to_numpy()}
    if "name" in sub.columns:
        out[_header("name")] = sub["name"].astype("string").fillna("").to_numpy()
    if "id_number" in sub.columns:
        out[_header("id_number")] = mask_ids(sub["id_number"]).to_numpy()
    out[ui_text("table.errors")] = readable(sub["errors"], lang())
    return neutralise(pd.DataFrame(out))
