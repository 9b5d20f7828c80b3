"""Writing an evaluated roster: the JSON of ROSTER.md, CSV (UTF-8 with BOM, for Excel) and xlsx."""
from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from core import reference
from core.cells import WORKBOOK_OPTIONS, keep_digits, neutralise, safe_text
from core.i18n import t
from core.items import AMOUNT_ITEMS, ITEMS
from core.rules import STATUSES
from core.validate import readable, split

BOM = "\ufeff".encode("utf-8")


def item_total(summary: dict, item: str) -> int | None:
    """An item's total over the roster; None while its amount is left to a local standard that
    is not set (企业社会保险补贴: the notice gives no amount, RULES.md), never a made-up 0."""
    if item == "employer_social_insurance" and summary.get("employer_standard") is None:
        return None
    return int(summary["amounts"][item])


def to_json_dict(result) -> dict:
    """The object ``python -m core evaluate --format json`` prints (ROSTER.md)."""
    f = result.frame
    valid = f["valid"].to_numpy()
    cols = {
        "row": f["row"].astype("int64").tolist(),
        "valid": valid.tolist(),
        "errors": [split(x) for x in f["errors"].tolist()],
        "warnings": [split(x) for x in f["warnings"].tolist()],
        "category": [None if pd.isna(x) else x for x in f["category"].astype(object).tolist()],
        "sichuan_helped": f["sichuan_helped"].astype(bool).tolist(),
        "total_to_worker": f["total_to_worker"].astype("int64").tolist(),
        "total_payable_to_worker": f["total_payable_to_worker"].astype("int64").tolist(),
        "claim_closed": f["claim_closed"].astype(bool).tolist(),
    }
    amounts = {item: f[item].astype("int64").tolist() for item in ITEMS}
    payable = {item: f[f"{item}_payable"].astype("int64").tolist() for item in AMOUNT_ITEMS}
    status = {item: [None if pd.isna(x) else x for x in f[f"{item}_status"].astype(object).tolist()] for item in ITEMS}
    esi_months = f["employer_social_insurance_months"].astype("int64").tolist()
    rows = []
    for i in range(len(f)):
        rows.append(
            {
                "row": cols["row"][i],
                "valid": cols["valid"][i],
                "errors": cols["errors"][i],
                "warnings": cols["warnings"][i],
                "category": cols["category"][i],
                "sichuan_helped": cols["sichuan_helped"][i],
                "amounts": {item: amounts[item][i] for item in AMOUNT_ITEMS},
                "total_to_worker": cols["total_to_worker"][i],
                "payable": {item: payable[item][i] for item in AMOUNT_ITEMS},
                "total_payable_to_worker": cols["total_payable_to_worker"][i],
                "claim_closed": cols["claim_closed"][i],
                "status": {item: status[item][i] for item in ITEMS},
                "employer_social_insurance": {
                    "months": esi_months[i],
                    "amount": amounts["employer_social_insurance"][i] if result.summary.get("employer_standard") else None,
                },
            }
        )
    return {"rows": rows, "summary": summary_json(result.summary)}


def summary_json(summary: dict) -> dict:
    """A roster's summary as the JSON of ROSTER.md has it."""
    out = dict(summary)
    out["amounts"] = {k: v for k, v in out["amounts"].items() if k in AMOUNT_ITEMS}
    if "payable" in out:
        out["payable"] = {k: v for k, v in out["payable"].items() if k in AMOUNT_ITEMS}
    out["employer_social_insurance"] = item_total(summary, "employer_social_insurance")
    return out


def to_json(result) -> str:
    return json.dumps(to_json_dict(result), ensure_ascii=False)


def export_columns(lang: str = "zh") -> list[tuple[str, str]]:
    """(column, header) of the downloadable result, in order."""
    cols = [("row", t("output.row", lang)), ("valid", t("output.valid", lang)), ("errors", t("output.errors", lang)), ("warnings", t("output.warnings", lang))]
    cols += [(c.field, c.header) for c in reference.columns()]
    cols += [("category", t("output.category", lang)), ("sichuan_helped", t("output.sichuan_helped", lang)), ("covered", t("output.covered", lang))]
    for item in ITEMS:
        title = t(f"rules.item_title.{item}", lang)
        cols += [
            (f"{item}_status", t("output.item_status", lang, item=title)),
            (item, t("output.item_amount", lang, item=title)),
        ]
    cols += [
        ("rent_counted_months", t("output.rent_counted_months", lang)),
        ("employer_social_insurance_months", t("output.employer_social_insurance_months", lang)),
        ("total_to_worker", t("output.total_to_worker", lang)),
        ("total_payable_to_worker", t("output.total_payable_to_worker", lang)),
        ("claim_closed", t("output.claim_status", lang)),
        ("reason", t("output.reason", lang)),
    ]
    return cols


#: free-text columns written back as the officer sent them (the engine reads them cleaned:
#: NFKC, trimmed), so "填表人：张三" keeps its full-width colon; the columns with a fixed
#: vocabulary (province, district, level), numbers, dates and the ID number are written as read
AS_SENT = ("name", "home_county", "employer", "organizer")


def _as_sent(result, col: str) -> pd.Series | None:
    """The cells of ``col`` as the file held them, aligned to the result's rows by row number;
    None when the result does not carry the file it was read from."""
    raw = getattr(result, "raw", None)
    if raw is None or col not in raw.frame.columns or len(raw.frame) != len(raw.row_numbers):
        return None
    sent = np.asarray(raw.row_numbers, dtype="int64")
    rows = result.frame["row"].to_numpy(dtype="int64")
    values = raw.frame[col].astype("string").array          # Arrow strings stay Arrow (a million rows)
    if not np.array_equal(sent, rows):                      # the usual case: the same rows, in order
        at = pd.Index(sent).get_indexer(rows)
        if (at < 0).any():
            return None
        if not np.array_equal(at, np.arange(len(values))):
            values = values.take(at)
    return pd.Series(values, index=result.frame.index)


def export_frame(result, lang: str = "zh") -> pd.DataFrame:
    """The result as officers download it: Chinese headers, statuses in words, unknown columns
    last; free text (``AS_SENT``) and the officer's own columns exactly as sent."""
    return pd.DataFrame(export_data(result, lang))


def export_data(result, lang: str = "zh") -> dict:
    """``export_frame``'s columns (header → column) without the frame: the batched engine turns
    each one into an Arrow array (``core.partition.export_table``)."""
    f = result.frame
    data = {}
    yes, no = t("output.yes_word", lang), t("output.no_word", lang)
    status_words = {s: t(f"output.status.{s}", lang) for s in STATUSES}
    covered_words = {s: t(f"rules.status.{s}", lang) for s in STATUSES}
    deadline = pd.Timestamp(result.summary["claim_deadline"]).date() if result.summary.get("claim_deadline") else None
    closed_word = t("output.claim_closed", lang, deadline=_day(deadline, lang)) if deadline else ""
    cat_words = {c: t(f"rules.category.{c}", lang) for c in ("paired_four", "other_central_western", "not_counted")}
    for col, header in export_columns(lang):
        s = f[col]
        if col in ("valid", "sichuan_helped"):
            s = pd.Categorical.from_codes(np.where(s.to_numpy(dtype=bool), 0, 1), categories=[yes, no])
        elif col == "registered_poor":   # yes, no, or empty (unknown): codes, not a column of objects
            known = s.notna().to_numpy()
            codes = np.where(known, np.where(s.to_numpy(dtype=bool, na_value=False), 0, 1), -1)
            s = pd.Categorical.from_codes(codes, categories=[yes, no])
        elif col == "covered":
            s = s.cat.rename_categories(covered_words) if hasattr(s, "cat") else s
        elif col.endswith("_status"):
            s = s.cat.rename_categories(status_words) if hasattr(s, "cat") else s
        elif col == "claim_closed":   # 可兑现, or 兑现已截止 with the date, on every row (ROSTER.md)
            s = pd.Categorical.from_codes(np.where(s.to_numpy(dtype=bool), 1, 0),
                                          categories=[t("output.claim_open", lang), closed_word])
        elif col == "category":
            s = s.cat.rename_categories(cat_words)
        elif col == "employer_social_insurance" and item_total(result.summary, col) is None:
            s = pd.Series(pd.NA, index=f.index, dtype="Int64")     # no local standard: no amount
        elif col in ("errors", "warnings"):
            s = pd.Series(readable(s, lang), index=f.index)
        elif col in ("first_employment_date", "certificate_date"):
            s = pd.Series(_as_date32(s), index=f.index)
        elif col in AS_SENT:
            sent = _as_sent(result, col)
            s = s if sent is None else sent
        data[header] = s
    for c in result.unknown_columns:        # the officer's own columns, last, as typed
        header = c
        while header in data:
            header = t("output.passthrough", lang, name=header)
        data[header] = f[result.passthrough(c)]
    return data


def written_frame(result, lang: str = "zh") -> pd.DataFrame:
    """``export_frame`` as it goes into a file: no text cell a spreadsheet would run as a
    formula (core.cells: names, employers, IDs and the officer's own columns are typed by users)."""
    return neutralise(export_frame(result, lang))


def csv_frame(result, lang: str = "zh") -> pd.DataFrame:
    """``written_frame`` for a CSV: a long number kept as text also when a spreadsheet opens
    it (``core.cells.keep_digits``: an ID number keeps its 18 digits in Excel, WPS, LibreOffice)."""
    return keep_digits(written_frame(result, lang))


def _as_date32(s: pd.Series) -> pd.arrays.ArrowExtensionArray:
    """Dates as Arrow date32 (written as YYYY-MM-DD) without formatting each row in Python."""
    days = pd.to_datetime(s).to_numpy(dtype="datetime64[D]")
    return pd.arrays.ArrowExtensionArray(pa.array(days, type=pa.date32(), from_pandas=True))


def _arrow_table(frame: pd.DataFrame) -> pa.Table:
    """Zero-copy where the columns already are Arrow strings; categoricals stay dictionaries
    (the CSV writer writes their values), so a million rows of repeated texts cost little."""
    return pa.Table.from_pandas(frame, preserve_index=False)


# The CSV text is written in pieces of this many rows (~2.4 MB each) on a few threads: pyarrow's
# writer releases the GIL, so each core writes its own piece (1M rows: 1.3 s on one thread, ~0.95 s
# on two). Pieces are joined in order; at most threads + 1 are held at a time. Small pieces keep
# the memory low (the allocator reuses the same few blocks): 64k-row pieces cost 330 MB more.
_CSV_PIECE_ROWS = 4_096
_CSV_THREADS = max(1, min(4, os.cpu_count() or 1))


def _csv_pieces(table: pa.Table):
    """The CSV text of ``table``, header first, as consecutive buffers: the same bytes as one
    ``pyarrow.csv.write_csv`` of the whole table (only the first piece has the header)."""

    def piece(start: int) -> pa.Buffer:
        sink = pa.BufferOutputStream()
        options = pacsv.WriteOptions(include_header=start == 0, batch_size=_CSV_PIECE_ROWS)   # one batch
        pacsv.write_csv(table.slice(start, _CSV_PIECE_ROWS), sink, options)
        return sink.getvalue()

    starts = iter(range(0, max(table.num_rows, 1), _CSV_PIECE_ROWS))   # an empty table: the header
    with ThreadPoolExecutor(max_workers=_CSV_THREADS) as pool:
        pending = deque(pool.submit(piece, start) for start in itertools.islice(starts, _CSV_THREADS + 1))
        while pending:
            done = pending.popleft().result()
            following = next(starts, None)
            if following is not None:
                pending.append(pool.submit(piece, following))
            yield done


def to_csv_bytes(result, lang: str = "zh") -> bytes:
    """UTF-8 with BOM so that Excel opens it with the Chinese intact."""
    buf = io.BytesIO()
    buf.write(BOM)
    for piece in _csv_pieces(_arrow_table(csv_frame(result, lang))):
        buf.write(piece)
    return buf.getvalue()


def write_csv(result, path, lang: str = "zh") -> None:
    with open(path, "wb") as fh:
        fh.write(BOM)
        for piece in _csv_pieces(_arrow_table(csv_frame(result, lang))):
            fh.write(piece)


def _day(d, lang: str) -> str:
    return t("rules.date", lang, y=d.year, m=d.month, d=d.day)


def item_error_rows(result) -> int | None:
    """Valid rows with an error of some items (是否通过校验=是, 错误 not empty; 部分项目有误 on the
    roster page), from the result's rows; None when there are none to count from."""
    frame = getattr(result, "frame", None)
    if frame is None or "errors" not in frame or "valid" not in frame:
        return None
    has_error = frame["errors"].astype("string").fillna("").to_numpy() != ""
    return int((frame["valid"].to_numpy(dtype=bool) & has_error).sum())


def summary_rows(result, lang: str = "zh") -> list[tuple[str, object]]:
    """The 汇总 sheet's lines. 有错误 of the summary counts whole rows in error (valid false): the
    line says so, as the roster page does, and the next counts the valid rows with an error of
    some items, so that every row that carries an error text is counted once (ROSTER.md's JSON
    keeps its keys)."""
    s = result.summary
    rows = [
        (t("output.summary.rows", lang), s["rows"]),
        (t("output.summary.valid", lang), s["valid"]),
        (t("output.summary.errors", lang), s["errors"]),
    ]
    item_errors = item_error_rows(result)
    if item_errors is not None:
        rows.append((t("output.summary.item_errors", lang), item_errors))
    rows += [
        (t("output.summary.blank_rows", lang), s.get("blank_rows", 0)),
    ]
    for item in ITEMS:
        total = item_total(s, item)
        rows.append((t(f"rules.item_title.{item}", lang) + t("output.summary.yuan", lang),
                     t("output.summary.no_standard", lang) if total is None else total))
    rows.append((t("output.total_to_worker", lang), s["total_to_worker"]))
    for item in ITEMS:
        total = item_total(s, item)
        payable = s.get("payable", {}).get(item, 0)
        rows.append((t("output.summary.payable", lang, item=t(f"rules.item_title.{item}", lang)),
                     t("output.summary.no_standard", lang) if total is None else payable))
    rows.append((t("output.summary.total_payable_to_worker", lang), s.get("total_payable_to_worker", 0)))
    rows.append((t("output.summary.as_of", lang), s["as_of"]))
    rows.append((t("output.summary.claim_deadline", lang), s.get("claim_deadline", "")))
    deadline = s.get("claim_deadline")     # said as each row says it (兑现已截止（2021年12月31日）)
    deadline = _day(dt.date.fromisoformat(deadline), lang) if deadline else ""
    rows.append((t("output.claim_status", lang), t("output.claim_open", lang) if not s.get("claim_closed")
                 else t("output.claim_closed", lang, deadline=deadline)))
    return rows


#: the number format of date cells in the workbooks written (Excel shows 2018-03-01)
DATE_FORMAT = "yyyy-mm-dd"


def _iso_day(value) -> dt.date | None:
    """A summary value that is a day (``as_of``, ``claim_deadline``: YYYY-MM-DD), else None."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def to_xlsx_bytes(result, lang: str = "zh") -> bytes:
    """The result workbook: the rows (error rows highlighted), and a sheet of totals."""
    frame = written_frame(result, lang)
    buf = io.BytesIO()
    import xlsxwriter

    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, **WORKBOOK_OPTIONS})
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True})
    bad = wb.add_format({"bg_color": "#F8CBAD"})
    day = wb.add_format({"num_format": DATE_FORMAT})                       # dates are date cells
    bad_day = wb.add_format({"num_format": DATE_FORMAT, "bg_color": "#F8CBAD"})
    ws = wb.add_worksheet(t("output.sheet_rows", lang))
    ws.freeze_panes(1, 0)
    for j, h in enumerate(frame.columns):
        ws.write_string(0, j, str(h), head)
        ws.set_column(j, j, 14 if j > 3 else 10)
    valid = result.frame["valid"].to_numpy()
    columns = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame.columns]
    for i in range(len(frame)):
        fmt = None if valid[i] else bad
        for j, col in enumerate(columns):
            v = col[i]
            if v is None:
                if fmt is not None:
                    ws.write_blank(i + 1, j, None, fmt)
                continue
            if isinstance(v, dt.date):
                ws.write_datetime(i + 1, j, v, day if fmt is None else bad_day)
            elif isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                ws.write_number(i + 1, j, int(v), fmt)
            elif isinstance(v, (float, np.floating)):
                ws.write_number(i + 1, j, float(v), fmt)
            else:
                ws.write_string(i + 1, j, str(v), fmt)
    ws.autofilter(0, 0, len(frame), len(frame.columns) - 1)
    ts = wb.add_worksheet(t("output.sheet_totals", lang))
    ts.set_column(0, 0, 30)
    ts.set_column(1, 1, 16)
    ts.write_string(0, 0, t("output.summary.item", lang), head)
    ts.write_string(0, 1, t("output.summary.value", lang), head)
    for i, (label, value) in enumerate(summary_rows(result, lang), start=1):
        ts.write(i, 0, label)
        when = _iso_day(value)
        if when is not None:
            ts.write_datetime(i, 1, when, day)
        else:
            ts.write(i, 1, safe_text(value))
    wb.close()
    return buf.getvalue()
