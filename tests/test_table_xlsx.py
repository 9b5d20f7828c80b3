"""Tables as workbooks (core.table_xlsx): text never runs, numbers are numbers, dates are date cells."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd

from core.table_xlsx import table_xlsx


def test_text_cannot_run_and_values_keep_their_kind():
    frame = pd.DataFrame({"名称": ["=HYPERLINK(\"http://x\")", "@SUM(A1)", "-5", "普通"],
                          "人数": [1, 2, None, 4], "日期": [dt.date(2021, 5, 1), None, dt.date(2021, 6, 2), None],
                          "时间": pd.to_datetime(["2021-05-01 08:30", None, None, None])})
    data = table_xlsx([("表", "标题行", frame), ("空表", None, frame.iloc[:0])])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["表"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "标题行" and rows[1] == ("名称", "人数", "日期", "时间")
    assert [r[0] for r in rows[2:]] == ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "-5", "普通"]
    assert all(ws.cell(row=r, column=1).data_type == "s" for r in range(3, 7))     # no formula cell
    assert [r[1] for r in rows[2:]] == [1, 2, None, 4]
    assert rows[2][2] == dt.datetime(2021, 5, 1) and ws.cell(row=3, column=3).number_format == "yyyy-mm-dd"
    assert rows[2][3] == dt.datetime(2021, 5, 1, 8, 30) and ws.cell(row=3, column=4).number_format == "yyyy-mm-dd hh:mm"
    assert list(wb["空表"].iter_rows(values_only=True)) == [("名称", "人数", "日期", "时间")]
