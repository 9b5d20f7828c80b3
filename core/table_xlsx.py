"""Tables written as workbooks the way every workbook of the project is (core/cells.py): text that
cannot run (``safe_text``, XlsxWriter's ``WORKBOOK_OPTIONS``), numbers as numbers, dates as date
cells (shown 2021-06-30), times to the minute; an optional title row above the headers."""
from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd

from core.cells import WORKBOOK_OPTIONS, safe_text


def _cell(v):
    if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, np.datetime64):
        v = pd.Timestamp(v).to_pydatetime()
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


def table_xlsx(sheets: list[tuple[str, str | None, pd.DataFrame]]) -> bytes:
    """One workbook, a sheet for each (sheet name, title or None, frame under its display headers)."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, **WORKBOOK_OPTIONS})
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True})
    title_fmt = wb.add_format({"bold": True, "font_size": 13})
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    minute = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, title, frame in sheets:
        ws = wb.add_worksheet(str(name)[:31])
        top = 0
        if title:
            ws.write_string(0, 0, safe_text(str(title)), title_fmt)
            top = 1
        for j, h in enumerate(frame.columns):
            ws.write_string(top, j, safe_text(str(h)), head)
            ws.set_column(j, j, 16)
        ws.freeze_panes(top + 1, 0)
        columns = [frame[c].astype(object).tolist() for c in frame.columns]
        for i in range(len(frame)):
            r = top + 1 + i
            for j, col in enumerate(columns):
                v = _cell(col[i])
                if v is None:
                    continue
                if isinstance(v, bool):
                    ws.write_boolean(r, j, v)
                elif isinstance(v, (int, float)):
                    ws.write_number(r, j, v)
                elif isinstance(v, dt.datetime):
                    ws.write_datetime(r, j, v, minute)
                elif isinstance(v, dt.date):
                    ws.write_datetime(r, j, dt.datetime(v.year, v.month, v.day), day)
                else:
                    ws.write_string(r, j, safe_text(str(v)))
        if len(frame.columns):
            ws.autofilter(top, 0, top + len(frame), len(frame.columns) - 1)
    wb.close()
    return buf.getvalue()
