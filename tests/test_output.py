"""Writing an evaluated roster (core.output): CSV for Excel, the workbook, the JSON of ROSTER.md."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import openpyxl
import pytest

from core import output
from core.engine import evaluate_file
from core.i18n import t
from core.items import ITEMS
from tests.test_validate import AS_OF, HEADER, person, roster

EXTRA = ("备注", "联系电话")


@pytest.fixture(scope="module")
def result():
    rows = [
        person(1, home_county="金川县", social_insurance_months="12", continuous_months="12", self_rented_months="40",
               first_employment_date="2018-01-05", organizer="合作社", employer="甲公司",
               certificate_level="初级工", certificate_date="2018-06-01", **{"备注": "007", "联系电话": " 0575-1 "}),
        person(2, region="520102", home_province="贵州", social_insurance_months="2", continuous_months="12",
               certificate_level="高级工", certificate_date="2019-01-01", work_district="上虞区"),
        None,
        person(3, work_district="杭州市", **{"备注": "区县写错"}),
        person(4, region="410102", home_province="河南", social_insurance_months="5"),
        person(5, first_employment_date="2017-05-01", social_insurance_months="5"),
        {"name": "合计", "social_insurance_months": "24"},
    ]
    return evaluate_file(roster(rows, extra=EXTRA), "r.csv", as_of=AS_OF)


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


# --------------------------------------------------------------------------- CSV


def test_csv_bom_headers_rows_and_totals(result):
    data = output.to_csv_bytes(result)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = _csv_rows(data)
    header, body = rows[0], rows[1:]
    assert set(HEADER.values()) <= set(header)
    assert len(header) == len(set(header))
    assert len(body) == result.summary["rows"] == 6
    col = {h: i for i, h in enumerate(header)}
    for item in ITEMS:
        title = t(f"rules.item_title.{item}")
        amount = col[t("output.item_amount", item=title)]
        if item == "employer_social_insurance":     # no local standard set: no amount, not 0
            assert [r[amount] for r in body] == [""] * len(body)
            continue
        assert sum(int(r[amount]) for r in body) == result.summary["amounts"][item], item
    total = col[t("output.total_to_worker")]
    assert sum(int(r[total]) for r in body) == result.summary["total_to_worker"]
    assert [int(r[col[t("output.row")]]) for r in body] == [2, 3, 5, 6, 7, 8]


def test_csv_keeps_unknown_columns_last_in_order_untouched(result):
    rows = _csv_rows(output.to_csv_bytes(result))
    assert tuple(rows[0][-2:]) == EXTRA
    # "007" would open in a spreadsheet as the number 7: a trailing tab keeps it text (core.cells)
    assert [r[-2] for r in rows[1:]] == ["007\t", "", "区县写错", "", "", ""]
    assert rows[1][-1] == " 0575-1 "
    assert output.export_frame(result)[EXTRA[0]].tolist()[0] == "007"     # the workbook: as sent


def test_csv_error_rows_say_why_and_are_paid_nothing(result):
    rows = _csv_rows(output.to_csv_bytes(result))
    col = {h: i for i, h in enumerate(rows[0])}
    for r in rows[1:]:
        if r[col[t("output.valid")]] == t("output.no_word"):
            assert r[col[t("output.errors")]]
            assert int(r[col[t("output.total_to_worker")]]) == 0
        else:
            assert r[col[t("output.errors")]] == ""


def test_csv_read_back_gives_the_same_amounts(result):
    """The exported file is itself a roster: reading it again gives the same amounts."""
    again = evaluate_file(output.to_csv_bytes(result), "again.csv", as_of=AS_OF)
    assert again.frame["row"].tolist() == [2, 3, 4, 5, 6, 7]  # no blank row any more
    assert again.frame["valid"].tolist() == result.frame["valid"].tolist()
    for item in ITEMS:
        assert again.frame[item].tolist() == result.frame[item].tolist(), item


def test_write_csv_equals_to_csv_bytes(result, tmp_path):
    path = tmp_path / "r.csv"
    output.write_csv(result, path)
    assert path.read_bytes() == output.to_csv_bytes(result)


# --------------------------------------------------------------------------- xlsx


def test_xlsx_totals_sheet_equals_summary(result):
    wb = openpyxl.load_workbook(io.BytesIO(output.to_xlsx_bytes(result)))
    totals = {label: value for label, value in wb[t("output.sheet_totals")].iter_rows(min_row=2, values_only=True)}
    s = result.summary
    assert totals[t("output.summary.rows")] == s["rows"] == 6
    assert totals[t("output.summary.valid")] == s["valid"]
    assert totals[t("output.summary.errors")] == s["errors"] == 2
    assert totals[t("output.summary.blank_rows")] == 1
    for item in ITEMS:
        expected = t("output.summary.no_standard") if item == "employer_social_insurance" else s["amounts"][item]
        assert totals[t(f"rules.item_title.{item}") + t("output.summary.yuan")] == expected, item
    assert totals[t("output.total_to_worker")] == s["total_to_worker"] > 0


def test_xlsx_totals_count_whole_row_and_some_items_errors_apart():
    """A valid row whose only errors are of some items keeps 是否通过校验=是 with an 错误 text
    (ROSTER.md); the 汇总 sheet names 整行有误的行 as such and counts those valid rows beside it,
    so every row carrying an error text is counted once, as the roster page says."""
    rows = [person(1), person(2, self_rented_months="很多"), person(3, continuous_months="十二"),
            person(4, id_number="123"), person(5, work_district="")]
    res = evaluate_file(roster(rows), "r.csv", as_of=AS_OF)
    valid, errors = res.frame["valid"].tolist(), [bool(e) for e in res.frame["errors"].fillna("")]
    assert valid == [True, True, True, False, False] and errors == [False, True, True, True, True]
    wb = openpyxl.load_workbook(io.BytesIO(output.to_xlsx_bytes(res)))
    totals = {label: value for label, value in wb[t("output.sheet_totals")].iter_rows(min_row=2, values_only=True)}
    assert t("output.summary.errors") == "整行有误的行"
    assert totals[t("output.summary.errors")] == res.summary["errors"] == 2
    assert totals[t("output.summary.item_errors")] == 2
    sheet = list(wb[t("output.sheet_rows")].iter_rows(values_only=True))
    carrying = sum(1 for r in sheet[1:] if r[sheet[0].index(t("output.errors"))])
    assert carrying == totals[t("output.summary.errors")] + totals[t("output.summary.item_errors")] == 4


def test_xlsx_rows_sheet_matches_csv(result):
    wb = openpyxl.load_workbook(io.BytesIO(output.to_xlsx_bytes(result)))
    ws = wb[t("output.sheet_rows")]
    sheet = [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
    csv_rows = _csv_rows(output.to_csv_bytes(result))
    assert sheet[0] == csv_rows[0]
    assert len(sheet) == len(csv_rows)
    # the amounts are numbers in the workbook, not text
    col = csv_rows[0].index(t("output.total_to_worker"))
    assert all(isinstance(ws.cell(r, col + 1).value, int) for r in range(2, ws.max_row + 1))


# --------------------------------------------------------------------------- JSON


def test_json_text_is_the_dict(result):
    assert json.loads(output.to_json(result)) == output.to_json_dict(result)


def test_employer_insurance_has_an_amount_only_with_a_local_standard(result):
    d = output.to_json_dict(result)
    assert d["summary"]["employer_social_insurance"] is None
    assert all(r["employer_social_insurance"]["amount"] is None for r in d["rows"])
    months = [r["employer_social_insurance"]["months"] for r in d["rows"]]
    assert months[0] > 0                                   # the first person has an employer

    data = roster([person(1, social_insurance_months="12", continuous_months="12", employer="甲公司"),
                   person(2, social_insurance_months="12")], extra=EXTRA)
    configured = evaluate_file(data, "r.csv", as_of=AS_OF, standards={"employer_social_insurance.monthly": 100})
    d = output.to_json_dict(configured)
    paid = [r["employer_social_insurance"] for r in d["rows"]]
    assert paid[0]["amount"] == 100 * paid[0]["months"] > 0 and paid[1]["amount"] == 0
    assert d["summary"]["employer_social_insurance"] == paid[0]["amount"]
    rows = _csv_rows(output.to_csv_bytes(configured))
    col = rows[0].index(t("output.item_amount", item=t("rules.item_title.employer_social_insurance")))
    assert [r[col] for r in rows[1:]] == [str(paid[0]["amount"]), "0"]


def test_json_summary_counts(result):
    d = output.to_json_dict(result)
    assert d["summary"]["rows"] == len(d["rows"])
    assert d["summary"]["valid"] == sum(r["valid"] for r in d["rows"])
    assert d["summary"]["errors"] == sum(not r["valid"] for r in d["rows"])


# --------------------------------------------------------------------------- unknown columns named like ours


@pytest.mark.parametrize("name", ["行号", "提示"])
def test_unknown_column_named_like_an_output_header(name):
    res = evaluate_file(roster([person(1, **{name: "原表内容"}), person(2, **{name: "x"})], extra=(name,)), "r.csv", as_of=AS_OF)
    rows = _csv_rows(output.to_csv_bytes(res))
    header = rows[0]
    assert header.count(name) == 2 or any(h.startswith(name) and h != name for h in header), header
    # the output's own column is intact
    first = header.index(name)
    if name == "行号":
        assert [r[first] for r in rows[1:]] == ["2", "3"]
    else:
        assert [r[first] for r in rows[1:]] == ["", ""]
    # and the officer's column comes back untouched, last
    assert [r[-1] for r in rows[1:]] == ["原表内容", "x"]


@pytest.mark.parametrize("name", ["category", "reason", "year"])
def test_unknown_column_named_like_an_internal_column(name):
    res = evaluate_file(roster([person(1, **{name: "原表内容"})], extra=(name,)), "r.csv", as_of=AS_OF)
    rows = _csv_rows(output.to_csv_bytes(res))
    assert rows[0][-1] == name
    assert rows[1][-1] == "原表内容"


# --------------------------------------------------------------------------- CSV written in pieces


def _one_write(res) -> bytes:
    import pyarrow.csv as pacsv

    buf = io.BytesIO()
    buf.write(output.BOM)
    pacsv.write_csv(output._arrow_table(output.csv_frame(res)), buf)
    return buf.getvalue()


@pytest.mark.parametrize("piece_rows", [1, 2, 5, 4096])
def test_csv_in_pieces_is_the_same_bytes_as_one_write(result, monkeypatch, tmp_path, piece_rows):
    monkeypatch.setattr(output, "_CSV_PIECE_ROWS", piece_rows)
    expected = _one_write(result)
    assert output.to_csv_bytes(result) == expected
    output.write_csv(result, tmp_path / "r.csv")
    assert (tmp_path / "r.csv").read_bytes() == expected
    assert expected.count("\n".encode()) == result.summary["rows"] + 1


def test_csv_of_a_roster_without_rows_is_the_header():
    empty = evaluate_file(roster([]), "r.csv", as_of=AS_OF)
    data = output.to_csv_bytes(empty)
    assert data == _one_write(empty)
    assert len(_csv_rows(data)) == 1


# --------------------------------------------------------------------------- as sent, dates, long numbers


def test_free_text_and_own_columns_come_back_exactly_as_sent():
    """The engine reads names cleaned (NFKC turns "：" into ":"); the files give the officer's
    text back: a 填表人 line in 姓名, an employer with full-width brackets, the officer's own column."""
    rows = [person(1, employer="甲公司（绍兴）", **{"备注": "填表人：张三　"}),
            {"name": "填表人：张三", "social_insurance_months": "1"}]
    res = evaluate_file(roster(rows, extra=("备注",)), "r.csv", as_of=AS_OF)
    assert res.frame["name"].tolist()[1] == "填表人:张三"       # what the engine reads, NFKC
    for frame in (output.export_frame(res), output.csv_frame(res)):
        assert frame["姓名"].tolist() == ["测试1", "填表人：张三"]
        assert frame["用人单位"].tolist()[0] == "甲公司（绍兴）"
        assert frame["备注"].tolist()[0] == "填表人：张三　"
    csv_body = output.to_csv_bytes(res).decode("utf-8-sig")
    assert "填表人：张三" in csv_body and "填表人:张三" not in csv_body
    ws = openpyxl.load_workbook(io.BytesIO(output.to_xlsx_bytes(res))).worksheets[0]
    values = [c.value for row in ws.iter_rows(min_row=2) for c in row]
    assert "填表人：张三" in values and "填表人：张三　" in values and "填表人:张三" not in values


def test_xlsx_dates_are_date_cells(result):
    ws = openpyxl.load_workbook(io.BytesIO(output.to_xlsx_bytes(result))).worksheets[0]
    header = [c.value for c in ws[1]]
    first = header.index("首次来绍就业日期") + 1
    cert = header.index("取证日期") + 1
    cell = ws.cell(row=2, column=first)
    assert cell.is_date and cell.number_format == output.DATE_FORMAT
    assert cell.value.date() == dt.date(2018, 1, 5)
    assert ws.cell(row=2, column=cert).is_date and ws.cell(row=2, column=cert).value.date() == dt.date(2018, 6, 1)
    bad = [r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=2).value == t("output.no_word")]
    assert bad and all(ws.cell(row=r, column=first).value is None or ws.cell(row=r, column=first).is_date for r in bad)
    totals = {r[0].value: r[1] for r in openpyxl.load_workbook(io.BytesIO(output.to_xlsx_bytes(result))).worksheets[1].iter_rows(min_row=2)}
    as_of = totals[t("output.summary.as_of")]
    assert as_of.is_date and as_of.value.date() == AS_OF


def test_csv_keeps_long_numbers_text_and_the_reader_reads_them_back(result):
    rows = _csv_rows(output.to_csv_bytes(result))
    ids = [r[rows[0].index("身份证号")] for r in rows[1:]]
    assert all(i.endswith("\t") and len(i) == 19 for i in ids[:5])       # 18 digits and the mark
    assert result.frame["id_number"].tolist()[:5] == [i.rstrip("\t") for i in ids[:5]]
    again = evaluate_file(output.to_csv_bytes(result), "again.csv", as_of=AS_OF)
    assert again.frame["id_number"].tolist()[:5] == result.frame["id_number"].tolist()[:5]
    assert again.frame["valid"].tolist()[:2] == result.frame["valid"].tolist()[:2]


def test_keep_digits_marks_only_numbers_a_spreadsheet_would_change():
    import pandas as pd

    from core.cells import TEXT_MARK, keep_digits

    frame = pd.DataFrame({"s": pd.Series(["513226199001011234", "12345678901", "0575", "0", "51322619900101123X",
                                          "'=1+1", None], dtype="string"),
                          "n": [1, 2, 3, 4, 5, 6, 7], "c": pd.Categorical(["007"] * 7)})
    out = keep_digits(frame)
    assert out["s"].tolist()[:6] == ["513226199001011234" + TEXT_MARK, "12345678901", "0575" + TEXT_MARK, "0",
                                     "51322619900101123X", "'=1+1"]
    assert out["s"].isna().tolist()[6]
    assert out["n"].tolist() == frame["n"].tolist() and out["c"].tolist() == ["007"] * 7
    assert frame["s"].tolist()[0] == "513226199001011234"       # the caller's frame is not changed
    same = pd.DataFrame({"s": ["张三", "12"]})
    assert keep_digits(same) is same


def test_command_line_xlsx_has_date_cells_and_the_csv_keeps_ids(tmp_path):
    from core.cli import main

    src = tmp_path / "r.csv"
    src.write_bytes(roster([person(1, first_employment_date="2018/3/1", **{"备注": "填表人：张三"})], extra=("备注",)))
    assert main(["evaluate", str(src), "--format", "xlsx", "--out", str(tmp_path / "o.xlsx"), "--as-of", "2021-06-30"]) == 0
    ws = openpyxl.load_workbook(tmp_path / "o.xlsx").worksheets[0]
    header = [c.value for c in ws[1]]
    day = ws.cell(row=2, column=header.index("首次来绍就业日期") + 1)
    assert day.is_date and day.value.date() == dt.date(2018, 3, 1) and day.number_format == output.DATE_FORMAT
    assert ws.cell(row=2, column=header.index("备注") + 1).value == "填表人：张三"
    assert main(["evaluate", str(src), "--format", "csv", "--out", str(tmp_path / "o.csv")]) == 0
    rows = _csv_rows((tmp_path / "o.csv").read_bytes())
    ident = rows[1][rows[0].index("身份证号")]
    assert ident.endswith("\t") and len(ident.rstrip("\t")) == 18
