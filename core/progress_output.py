"""``python -m core progress --format csv|xlsx``: the progress object (core.progress, ROSTER.md)
as one table, one line per scope (the city, then each district) and category: the people counted
and, for the city, the target."""
from __future__ import annotations

import io

import pandas as pd

from core.cells import WORKBOOK_OPTIONS, neutralise
from core.i18n import t

CATEGORIES = ("total", "paired_four", "other_central_western", "sichuan_helped")


def progress_frame(report: dict, lang: str = "zh") -> pd.DataFrame:
    rows = []
    scopes = [(t("cli.progress_city", lang), report.get("city") or {}, report.get("targets") or {})]
    scopes += [(name, counts or {}, {}) for name, counts in (report.get("by_district") or {}).items()]
    for scope, counts, targets in scopes:
        for cat in CATEGORIES:
            target = targets.get(cat)
            rows.append({t("cli.progress_year", lang): int(report["year"]), t("cli.progress_scope", lang): scope,
                         t("cli.progress_category", lang): t(f"db.target_field.{cat}", lang),
                         t("cli.progress_done", lang): int(counts.get(cat, 0) or 0),
                         t("cli.progress_target", lang): None if target is None else int(target)})
    frame = pd.DataFrame(rows)
    frame[t("cli.progress_target", lang)] = frame[t("cli.progress_target", lang)].astype("Int64")
    return neutralise(frame)


def progress_csv(report: dict, lang: str = "zh") -> bytes:
    """UTF-8 with a byte-order mark (Excel and WPS read the Chinese)."""
    return progress_frame(report, lang).to_csv(index=False).encode("utf-8-sig")


def progress_xlsx(report: dict, lang: str = "zh") -> bytes:
    import xlsxwriter

    frame = progress_frame(report, lang)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, **WORKBOOK_OPTIONS})
    ws = wb.add_worksheet(t("cli.progress_year", lang) + str(int(report["year"])))
    bold = wb.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7"})
    for c, name in enumerate(frame.columns):
        ws.write(0, c, name, bold)
        ws.set_column(c, c, 14)
    for r, values in enumerate(frame.itertuples(index=False), start=1):
        for c, value in enumerate(values):
            if value is not None and not pd.isna(value):
                ws.write(r, c, value)
    ws.freeze_panes(1, 0)
    wb.close()
    return buf.getvalue()
