"""core.reader: roster files as officers really send them (ROSTER.md)."""
from __future__ import annotations

import base64
import codecs
import csv
import datetime as dt
import io
import struct
import zlib

import numpy as np
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import reader, reader_cells, reader_csv
from core.i18n import t
from core.reader import RawRoster, RosterReadError, header_map, normalise_header, read_roster, read_roster_path
from core.reference import columns

REQUIRED = [c for c in columns() if c.required]
REQ_HEADERS = [c.header for c in REQUIRED]
REQ_FIELDS = [c.field for c in REQUIRED]

PERSON = {
    "姓名": "张三",
    "身份证号": "51322619900101123X",
    "户籍省份": "四川",
    "建档立卡": "是",
    "首次来绍就业日期": "2018/3/1",
    "就业区县": "柯桥区",
    "社保缴纳月数": "12",
    "连续工作月数": "12",
}


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    w.writerows(rows)
    return out.getvalue()


def values(roster: RawRoster, column: str) -> list:
    return [None if pd.isna(v) else v for v in roster.frame[column].tolist()]


def expect_error(data: bytes, key: str, filename: str = "名单.csv") -> RosterReadError:
    with pytest.raises(RosterReadError) as info:
        read_roster(data, filename)
    err = info.value
    assert err.key == key, (err.key, err.message)
    assert str(err) == err.message
    # lists of column names are named in running text, joined by "、"
    fmt = {k: "、".join(v) if isinstance(v, list) else v for k, v in err.fmt.items()}
    assert err.message == t("reader." + key, **fmt)
    assert "[" not in err.message
    assert "Traceback" not in err.message and "\n" not in err.message
    return err


# --------------------------------------------------------------------------- headers

def test_normalise_header_folds_brackets_spaces_and_case():
    assert normalise_header(" 户籍县（市、区） ") == normalise_header("户籍县(市、区)")
    assert normalise_header("身 份 证\t号\n") == "身份证号"
    assert normalise_header("\u3000姓名\u3000") == "姓名"  # full-width spaces
    assert normalise_header("ID_Number") == "id_number"
    assert normalise_header(None) == ""


def test_header_map_has_every_header_alias_and_field():
    hm = header_map()
    for col in columns():
        assert hm[normalise_header(col.header)] == col.field
        assert hm[normalise_header(col.field)] == col.field
        for alias in col.aliases:
            assert hm[normalise_header(alias)] == col.field
    assert normalise_header("备注") not in hm


def test_aliases_english_names_fullwidth_brackets_and_stray_spaces():
    header = [" 姓名", "公民身份号码", "home_province", "户籍县(市、区)", "是否建档立卡 ", "首次来绍日期",
              "就业区、县(市)", "社保月数", "Continuous_Months", "职业资格证书等级", "培训费"]
    row = ["李四", "513226199001011234", "四川省", "金川县", "否", "2018-03-01", "越城区", "3", "4", "初级工", "800"]
    r = read_roster(csv_text([header, row]).encode("utf-8"), "x.csv")
    assert list(r.frame.columns) == ["name", "id_number", "home_province", "home_county", "registered_poor",
                                     "first_employment_date", "work_district", "social_insurance_months",
                                     "continuous_months", "certificate_level", "training_cost"]
    assert r.unknown_columns == []
    assert r.frame.iloc[0].tolist() == row


def test_unknown_columns_kept_in_file_order_and_duplicates_suffixed():
    header = ["备注", *REQ_HEADERS[:3], "联系电话", *REQ_HEADERS[3:], "身份证号码", "备注"]
    row = ["r1", *[PERSON[h] for h in REQ_HEADERS[:3]], "138", *[PERSON[h] for h in REQ_HEADERS[3:]], "X", "r2"]
    r = read_roster(csv_text([header, row]).encode("utf-8"), "x.csv")
    assert r.unknown_columns == ["备注", "联系电话", "身份证号码_2", "备注_2"]
    assert list(r.frame.columns) == ["备注", *REQ_FIELDS[:3], "联系电话", *REQ_FIELDS[3:], "身份证号码_2", "备注_2"]
    assert r.frame.loc[0, "id_number"] == PERSON["身份证号"]  # the first one holds the field
    assert r.frame.loc[0, "身份证号码_2"] == "X"
    assert r.frame.loc[0, "备注_2"] == "r2"


# --------------------------------------------------------------------------- CSV

def simple_rows(n: int = 2) -> list[list[str]]:
    rows = [list(PERSON)]
    for i in range(n):
        rows.append([PERSON[h] if h != "姓名" else f"人{i}" for h in PERSON])
    return rows


@pytest.mark.parametrize(
    "encoding, expected",
    [("gbk", "gb18030"), ("gb18030", "gb18030"), ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig")],
)
def test_csv_encodings(encoding, expected):
    rows = [list(PERSON) + ["户籍县（市、区）"], list(PERSON.values()) + ["金川县"], ["王五"] + [""] * 8]
    data = csv_text(rows).encode(encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(codecs.BOM_UTF8)
    r = read_roster(data, "名单.csv")
    assert r.file_kind == "csv" and r.encoding == expected and r.sheet is None
    assert r.frame.columns[0] == "name"  # no BOM left on the first header
    assert values(r, "name") == ["张三", "王五"]
    assert values(r, "home_province") == ["四川", None]
    assert values(r, "home_county") == ["金川县", None]
    assert r.row_numbers.tolist() == [2, 3]
    assert r.row_numbers.dtype == np.int64


def test_gbk_detected_even_when_the_first_64kb_are_ascii():
    header = ["name", "id_number", "home_province", "registered_poor", "first_employment_date",
              "work_district", "social_insurance_months", "continuous_months"]
    filler = [["a", "513226199001011234", "SC", "Y", "2018-03-01", "x", "1", "1"]] * 4000
    rows = [header, *filler, ["赵六", "513226199001011234", "四川省", "是", "2018年3月1日", "新昌县", "1", "1"]]
    data = csv_text(rows).encode("gbk")
    assert len(csv_text(rows[:-1]).encode()) > reader.HEAD_BYTES
    r = read_roster(data, "x.csv")
    assert r.encoding == "gb18030"
    assert len(r.frame) == 4001
    assert r.frame.iloc[-1].tolist() == rows[-1]
    assert r.row_numbers[-1] == 4002


def test_values_are_kept_exactly_as_written():
    rows = [list(PERSON), [" 张三 ", "５１３２２６１９９００１０１１２３４", " 四川 ", "Y", "20180301", "绍兴市柯桥区", "１２", "0012"]]
    r = read_roster(csv_text(rows).encode("utf-8"), "x.csv")
    assert r.frame.iloc[0].tolist() == rows[1]
    for v in r.frame.iloc[0]:
        assert type(v) is str


def test_row_numbers_without_title_row():
    r = read_roster(csv_text(simple_rows(3)).encode("utf-8"), "x.csv")
    assert r.header_row == 1 and r.blank_rows == 0
    assert r.row_numbers.tolist() == [2, 3, 4]
    assert isinstance(r.frame.index, pd.RangeIndex) and r.frame.index.tolist() == [0, 1, 2]


def test_row_numbers_with_title_rows_and_blank_rows_in_between():
    width = len(PERSON)
    rows = [["2018年柯桥区扶贫劳务协作人员名单"] + [""] * (width - 1), [""] * width, *simple_rows(1)]
    text = csv_text(rows)
    # two kinds of blank line: a bare empty line and one of commas only (as Excel writes it)
    text += "\r\n" + "," * (width - 1) + "\r\n" + csv_text(simple_rows(1)[1:]) + "  ,\t, ,,,,,\r\n"
    text += csv_text([["合计"] + [""] * (width - 1), ["填表人：王五"]])
    r = read_roster(text.encode("gbk"), "x.csv")
    assert r.header_row == 3
    assert r.row_numbers.tolist() == [4, 7, 9, 10]
    assert r.blank_rows == 3
    assert values(r, "name") == ["人0", "人0", "合计", "填表人：王五"]
    assert values(r, "id_number")[2:] == [None, None]


def test_many_blank_rows_keep_row_numbers_right():
    width = len(PERSON)
    lines = [",".join(PERSON)]
    expected = []
    for i in range(3000):
        if i % 7 == 3:
            lines.append("")
        elif i % 11 == 5:
            lines.append("," * (width - 1))
        else:
            lines.append(",".join([f"p{i}", *list(PERSON.values())[1:]]))
            expected.append((i + 2, f"p{i}"))
    lines.append(",".join(["末行", *list(PERSON.values())[1:]]))
    expected.append((3002, "末行"))
    r = read_roster("\n".join(lines).encode("utf-8"), "x.csv")
    assert r.row_numbers.tolist() == [n for n, _ in expected]
    assert values(r, "name") == [name for _, name in expected]
    assert r.blank_rows == 3001 - len(expected)


def test_ragged_rows_are_padded_and_extra_cells_kept():
    rows = [list(PERSON) + ["备注"], list(PERSON.values()) + ["ok"], ["短行", "1"],
            list(PERSON.values()) + ["多", "出", "来"]]
    r = read_roster(csv_text(rows).encode("utf-8"), "x.csv")
    assert len(r.frame) == 3
    assert r.row_numbers.tolist() == [2, 3, 4]
    assert values(r, "name") == ["张三", "短行", "张三"]
    assert values(r, "home_province") == ["四川", None, "四川"]
    assert values(r, "备注") == ["ok", None, "多"]
    extra = [c for c in r.frame.columns if c not in (*REQ_FIELDS, "备注")]
    assert len(extra) == 2 and extra == r.unknown_columns[1:]
    assert values(r, extra[0]) == [None, None, "出"]


def test_quoted_fields_with_commas_and_newlines():
    rows = [list(PERSON) + ["用人单位"], list(PERSON.values()) + ["绍兴市某某公司,\n第二车间"],
            list(PERSON.values()) + ['说"好"的']]
    r = read_roster(csv_text(rows).encode("utf-8"), "x.csv")
    assert values(r, "employer") == ["绍兴市某某公司,\n第二车间", '说"好"的']
    assert r.row_numbers.tolist() == [2, 3]


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_tab_and_semicolon_delimited(delimiter):
    r = read_roster(csv_text(simple_rows(2), delimiter).encode("utf-8"), "x.txt")
    assert list(r.frame.columns) == REQ_FIELDS
    assert values(r, "name") == ["人0", "人1"]


def test_utf16_text_as_excel_saves_unicode_text():
    data = codecs.BOM_UTF16_LE + csv_text(simple_rows(1), "\t").encode("utf-16-le")
    r = read_roster(data, "x.txt")
    assert values(r, "name") == ["人0"] and r.encoding == "utf-16"


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_any_line_ending_with_excel_row_numbers(newline):
    # old Mac Excel ends lines with a lone CR; a title row and a blank row keep the numbers right
    rows = [["名单"], list(PERSON), [PERSON[h] for h in PERSON], [], [PERSON[h] if h != "姓名" else "李四" for h in PERSON]]
    data = newline.join(",".join(r) for r in rows).encode("gbk") + newline.encode()
    r = read_roster(data, "名单.csv")
    assert r.header_row == 2 and r.row_numbers.tolist() == [3, 5] and r.blank_rows == 1
    assert values(r, "name") == ["张三", "李四"]
    assert values(r, "continuous_months") == ["12", "12"]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_first_line_longer_than_the_head_window(encoding):
    # a title line of 300,000 characters: the header below it is still found (on row 2)
    title = "标" * 300_000
    assert len(title.encode(encoding)) > reader.HEAD_BYTES * 4
    data = csv_text([[title], *simple_rows(2)]).encode(encoding)
    r = read_roster(data, "名单.csv")
    assert r.header_row == 2 and r.row_numbers.tolist() == [3, 4]
    assert values(r, "name") == ["人0", "人1"]


def test_excel_sep_hint_line_sets_the_delimiter_and_is_not_a_row():
    # Excel reads "sep=;" as the delimiter and hides the line: the header is row 1
    data = ("sep=;\r\n" + csv_text(simple_rows(2), delimiter=";")).encode("utf-8-sig")
    r = read_roster(data, "名单.csv")
    assert r.header_row == 1 and r.row_numbers.tolist() == [2, 3]
    assert values(r, "name") == ["人0", "人1"]
    # with a comma hint the semicolons are text, as Excel would show them
    data = ("sep=,\n" + csv_text(simple_rows(1))).encode("gbk")
    assert read_roster(data, "名单.csv").row_numbers.tolist() == [2]


@pytest.mark.parametrize("invisible", ["\u200b", "\u2060", "\ufeff", " \u200b\u3000"])
def test_a_row_of_invisible_characters_is_blank(invisible):
    # the validator reads such cells as empty, so the row is blank, not an error row
    rows = simple_rows(2)
    rows.insert(2, [invisible] * len(PERSON))
    r = read_roster(csv_text(rows).encode("utf-8"), "名单.csv")
    assert r.blank_rows == 1 and r.row_numbers.tolist() == [2, 4]
    assert values(r, "name") == ["人0", "人1"]


def test_header_only_gives_zero_rows():
    r = read_roster(csv_text([list(PERSON)]).encode("utf-8"), "x.csv")
    assert len(r.frame) == 0 and list(r.frame.columns) == REQ_FIELDS
    assert r.row_numbers.tolist() == [] and r.blank_rows == 0


def test_header_must_be_within_the_first_ten_rows():
    width = len(PERSON)
    rows = [["标题"] + [""] * (width - 1)] * 10 + simple_rows(1)
    err = expect_error(csv_text(rows).encode("utf-8"), "no_header")
    assert "姓名" in err.message
    rows = [["标题"] + [""] * (width - 1)] * 9 + simple_rows(1)
    assert read_roster(csv_text(rows).encode("utf-8"), "x.csv").header_row == 10


@st.composite
def tables(draw):
    cell = st.text(alphabet=st.sampled_from(list("ab 1,\"\n\t中文表格名单é；") + ["（", "）"]), max_size=6)
    n_extra = draw(st.integers(0, 2))
    header = [*REQ_HEADERS, *[f"附加{i}" for i in range(n_extra)]]
    width = len(header)
    body = draw(st.lists(st.lists(cell, min_size=width, max_size=width), max_size=12))
    titles = draw(st.integers(0, 3))
    return header, body, titles


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.sampled_from(["utf-8", "utf-8-sig", "gbk"]))
def test_roundtrip_any_table(table, encoding):
    header, body, titles = table
    width = len(header)
    rows = [["标题"] + [""] * (width - 1)] * titles + [header] + body
    r = read_roster(csv_text(rows).encode(encoding), "x.csv")
    kept = [(i, row) for i, row in enumerate(body) if not all(not c.strip() for c in row)]
    assert r.header_row == titles + 1
    assert r.blank_rows == len(body) - len(kept)
    assert r.row_numbers.tolist() == [titles + 2 + i for i, _ in kept]
    got = [[("" if pd.isna(v) else v) for v in rec] for rec in r.frame.itertuples(index=False)]
    assert got == [row for _, row in kept]


# --------------------------------------------------------------------------- workbooks

def build_xlsx(sheets: dict[str, callable]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, fill in sheets.items():
        fill(wb, wb.add_worksheet(name))
    wb.close()
    return buf.getvalue()


XLSX_HEADER = [*REQ_HEADERS, "取证日期", "培训费用", "备注"]


def fill_roster(wb, ws):
    date_fmt = wb.add_format({"num_format": "yyyy/m/d"})
    ws.merge_range(0, 0, 0, len(XLSX_HEADER) - 1, "2018年柯桥区扶贫劳务协作人员名单")
    ws.write_row(1, 0, XLSX_HEADER)
    # row 3: a typed date cell, numbers typed as numbers
    ws.write_row(2, 0, ["张三", "51322619900101123X", "四川", "是"])
    ws.write_datetime(2, 4, dt.datetime(2018, 3, 1), date_fmt)
    ws.write_row(2, 5, ["柯桥区"])
    ws.write_number(2, 6, 12)
    ws.write_number(2, 7, 12.0)
    ws.write_datetime(2, 8, dt.datetime(2018, 6, 1, 9, 30), wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}))
    ws.write_number(2, 9, 1234.5)
    ws.write_boolean(2, 10, True)
    # rows 4 and 5: blank (one truly empty, one with spaces only)
    ws.write_string(4, 3, "   ")
    # row 6: ID stored as a number, a date serial number in a date column
    ws.write_row(5, 0, ["李四"])
    ws.write_number(5, 1, 513226199001011234)
    ws.write_row(5, 2, ["贵州", "否"])
    ws.write_number(5, 4, 43191)
    ws.write_row(5, 5, ["越城区", "6", "６"])
    ws.write_number(5, 8, 43191.75)
    ws.write_number(5, 9, 0.1 + 0.2)
    # row 7: 合计
    ws.write_row(6, 0, ["合计"])
    ws.write_formula(6, 6, "=SUM(G3:G6)", None, 12)


def test_xlsx_typed_cells_title_row_blank_rows_and_total_row():
    data = build_xlsx({"说明": lambda wb, ws: ws.write(0, 0, "填表说明"), "名单": fill_roster})
    r = read_roster(data, "roster.xlsx")
    assert r.file_kind == "xlsx" and r.sheet == "名单" and r.encoding is None
    assert r.header_row == 2
    assert r.row_numbers.tolist() == [3, 6, 7]
    assert r.blank_rows == 2
    assert list(r.frame.columns) == [*REQ_FIELDS, "certificate_date", "training_cost", "备注"]
    assert r.unknown_columns == ["备注"]
    assert values(r, "name") == ["张三", "李四", "合计"]
    assert values(r, "id_number") == ["51322619900101123X", "5.13226E+17", None]
    assert values(r, "first_employment_date") == ["2018-03-01", "2018-04-01", None]
    assert values(r, "certificate_date") == ["2018-06-01", "2018-04-01", None]
    assert values(r, "social_insurance_months") == ["12", "6", "12"]
    assert values(r, "continuous_months") == ["12", "６", None]
    assert values(r, "training_cost") == ["1234.5", "0.3", None]
    assert values(r, "备注") == ["true", None, None]


def test_xlsx_first_sheet_when_no_roster_sheet_and_header_on_row_one():
    def fill(wb, ws):
        ws.write_row(0, 0, list(PERSON))
        ws.write_row(1, 0, list(PERSON.values()))
    r = read_roster(build_xlsx({"Sheet1": fill, "Sheet2": lambda wb, ws: ws.write(0, 0, "x")}), "a.xlsx")
    assert r.sheet == "Sheet1" and r.header_row == 1 and r.row_numbers.tolist() == [2]
    assert r.frame.iloc[0].tolist() == list(PERSON.values())


def test_workbook_detected_from_content_not_name():
    def fill(wb, ws):
        ws.write_row(0, 0, list(PERSON))
        ws.write_row(1, 0, list(PERSON.values()))
    r = read_roster(build_xlsx({"名单": fill}), "名单.csv")
    assert r.file_kind == "xlsx"
    r = read_roster(csv_text(simple_rows(1)).encode("gbk"), "名单.xlsx")
    assert r.file_kind == "csv"


def test_empty_roster_sheet():
    err = expect_error(build_xlsx({"名单": lambda wb, ws: None}), "empty_sheet", "a.xlsx")
    assert "名单" in err.message


def test_xlsx_missing_required_columns():
    def fill(wb, ws):
        ws.write_row(0, 0, ["标题"])
        ws.write_row(1, 0, [h for h in REQ_HEADERS if h not in ("身份证号", "建档立卡")])
    err = expect_error(build_xlsx({"名单": fill}), "missing_columns", "a.xlsx")
    assert "缺少必填列：身份证号、建档立卡" in err.message


# an .xls (BIFF8) written by xlwt 1.3: sheets 说明 and 名单; 名单 holds a merged title row, the header on
# row 2 (姓名 身份证号 户籍省份 建档立卡 首次来绍就业日期 就业区县 社保缴纳月数 连续工作月数 备注), on row 3 a
# typed date 2018-03-01 and numbers 12, 12.0, 1.5, row 4 blank, on row 5 the ID 513226199001011234
# stored as a number and the date serial 43191, on row 6 合计 with 18.
XLS_B64 = (
    "eNrtWGtoFFcU/u7s7O5smk02axSNoKnQ+Mbspr4KutrSCoITza4aNcZmzSZKNEoQS6SNVs2vEBUKBYt/UhQUwbYIvp//BBVFf4hKQqIEBOkP"
    "xVIRk/WcM7PTJE3BQA1E5gxz7vnOuefeM+c+d+/eyets+6OgCwNoITzoTQfg66NT9AYyIASyp9MsZkqD3rRLI4oCBg2kz4uLwVt+HkMe7y5o"
    "+F2/Thx4Qm8FtsPcVp8qHEb6UmKoUhzDAqXT3NNwhN4cjJO4wsI3Ch8l/Depe0n4ItG0Cl9AdTvVWtyJmdPm2fO4XJskthziCmfF55FoIhiN"
    "GzyPdx9SVl0vFjdsrtoywgwT9GwcBQ3pklR9qoFxLo4hC2gkmrl168zq6k7k03AfxV/pQuBVZl1fK3T1w6tXIP3r/nr/f+gNGsSB+p80HdiD"
    "9LeKJ3MzsvFcZ4umXrXk1DBe7LNwMLEy/hYvac6A2gLNFfXwYNCcVcOGMFQUxbQA5mFH5euW4zVa5c7k9NbTZW1lpfGK0gtmeYKrUR/31wQT"
    "tCJPHugxr7f8HSdxbnLZ9+q7HpPEN5UbN93cVRU3oH4+/GldqvZ2U6SiwOxOTawlK4tfxK/GfVALG9tLP999usmo3Z4i2HHwz6bu9RWlDKkP"
    "/5pnW6go3BAww8DsSEk0Oicyf35xcaQ4EomWlJPt8ar29QpqVo0HyoqXlGbt41VUzG7tYFtRgmQj0daSxUeXbHWhfltdUDaAbOLVyBU5T7aB"
    "EGX67YkX95Yll8c2iGaPHG/WIfgZZxxp/Mge5JzjWCw+TTymC98rrY4XuUB4PuWdyqLlo23hm31SZ79Yi6ifEqH7scl95CkkNz9fcW5C89PY"
    "VJJPLenalX/qQawNk+hQriZ/fvZhhpqhfjnMdD6WKZW9XbYLH/evrdPQQnbsafukz0UPbxZEedZ1QAvjDFelrfUfGo6sWheQwAjOamDQrPIX"
    "X8EY+fa8AY8hvmoQXyW+3LqF2NfjII2Q7iAPIa+DdEI+B3kJ+R3kkz4zyE8o4CCDUJb9NdogEWkS0Sd2fWussx3EEQUdxBHxqDZpjHTKX/JX"
    "zbZxRLlku4yxhDiiqLRs8XUa7KzoctHsH4MudTjbHpo1usSwYr8nkPzhyFeWXZO8wq7NcYTtOHTJTIcdh94njjAhjqNAWmfulwi8IvWPwCt1"
    "RtltesVvKaFue8ys67GsIgy2ilxyySWXXHJpWIkPJz7C+RKhy08C68rlt//X6aG31/2b5KOlMmyjZwf9pPwa9VQ2oHFI82cMvCrTlnpPn8z/"
    "hUyrqfcG1CEpcdQNef7SFVz1/Z73dgz9f0toqP33DiXOD9z/O3saXu0="
)


def test_xls_workbook():
    data = zlib.decompress(base64.b64decode(XLS_B64))
    assert data[:4] == b"\xd0\xcf\x11\xe0"
    r = read_roster(data, "名单.xls")
    assert r.file_kind == "xls" and r.sheet == "名单"
    assert r.header_row == 2 and r.row_numbers.tolist() == [3, 5, 6] and r.blank_rows == 1
    assert values(r, "name") == ["张三", "李四", "合计"]
    assert values(r, "id_number") == ["51322619900101123X", "5.13226E+17", None]
    assert values(r, "first_employment_date") == ["2018-03-01", "2018-04-01", None]
    assert values(r, "social_insurance_months") == ["12", "6", "18"]
    assert values(r, "continuous_months") == ["12", "6", None]
    assert values(r, "备注") == ["1.5", None, None]


def test_xlsx_id_number_cells_keep_every_digit_below_10_to_the_15():
    # a 15-digit number is exact in a number cell: it reads as the old 15-digit form, not as
    # Excel's scientific display; an 18-digit one has lost its last digits
    def fill(wb, ws):
        ws.write_row(0, 0, list(PERSON))
        for i, number in enumerate([513226900101123, 513226199001011234, 12.5], start=1):
            ws.write_row(i, 0, list(PERSON.values()))
            ws.write_number(i, 1, number)
    r = read_roster(build_xlsx({"名单": fill}), "名单.xlsx")
    assert values(r, "id_number") == ["513226900101123", "5.13226E+17", "12.5"]


def test_xlsx_number_in_a_date_column_is_a_date_only_when_plausible():
    # 2018 or 3 typed into a date column are those numbers (the date check refuses them, as in a
    # CSV file), not the serials of 1905-07-10 and 1900-01-03
    def fill(wb, ws):
        ws.write_row(0, 0, list(PERSON))
        for i, number in enumerate([2018, 3, 10000, 43191, 43191.75], start=1):
            ws.write_row(i, 0, list(PERSON.values()))
            ws.write_number(i, 4, number)
    r = read_roster(build_xlsx({"名单": fill}), "名单.xlsx")
    assert values(r, "first_employment_date") == ["2018", "3", "10000", "2018-04-01", "2018-04-01"]


def test_xlsx_error_cells_read_as_their_text():
    # python-calamine gives error cells as "", like empty ones: a row of only errors would be
    # dropped as blank and the others would say "missing"
    def fill(wb, ws):
        ws.write_row(0, 0, list(PERSON))
        ws.write_row(1, 0, list(PERSON.values()))
        ws.write_row(2, 0, list(PERSON.values()))
        ws.write_formula(2, 2, "=VLOOKUP(A3,Z:Z,1,0)", None, "#N/A")
        ws.write_formula(2, 6, "=1/0", None, "#DIV/0!")
        for j in range(len(PERSON)):
            ws.write_formula(3, j, "=NA()", None, "#N/A")
        ws.write_row(4, 0, list(PERSON.values()))
        ws.write_formula(4, 7, "=A1&B1", None, "")          # an empty text result stays empty
    data = build_xlsx({"说明": lambda wb, ws: ws.write_formula(0, 0, "=1/0", None, "#DIV/0!"), "名单": fill})
    r = read_roster(data, "名单.xlsx")
    assert r.row_numbers.tolist() == [2, 3, 4, 5] and r.blank_rows == 0
    assert values(r, "home_province") == ["四川", "#N/A", "#N/A", "四川"]
    assert values(r, "social_insurance_months") == ["12", "#DIV/0!", "#N/A", "12"]
    assert values(r, "name") == ["张三", "张三", "#N/A", "张三"]
    assert values(r, "continuous_months") == ["12", "12", "#N/A", None]


@pytest.mark.parametrize("piece", [7, 100, 1 << 22])
def test_xlsx_error_cells_across_pieces_and_in_single_quotes(monkeypatch, piece):
    # the sheet XML is read in pieces (here small ones, so that cells are cut at the boundaries);
    # XML may quote attributes with ' as well
    import zipfile

    monkeypatch.setattr(reader_cells, "_XML_CHUNK", piece)

    def fill(wb, ws):
        ws.write_row(0, 0, list(PERSON))
        for i in range(1, 6):
            ws.write_row(i, 0, list(PERSON.values()))
            ws.write_formula(i, i, "=NA()", None, "#N/A")
    src = zipfile.ZipFile(io.BytesIO(build_xlsx({"名单": fill})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b't="e"', b"t='e'", 2)
            z.writestr(info, data)
    r = read_roster(out.getvalue(), "名单.xlsx")
    got = [["" if pd.isna(v) else v for v in rec] for rec in r.frame.itertuples(index=False)]
    assert [row.index("#N/A") for row in got] == [1, 2, 3, 4, 5]
    assert sum(v == "#N/A" for row in got for v in row) == 5


def _rec(rt: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", rt, len(data)) + data


def build_xls(rows: list[list], sheet: str = "名单", password: bool = False) -> bytes:
    """A minimal BIFF8 .xls (one sheet) in an OLE2 container. Cells: str, int/float, None, or
    ("error", code) for an error cell, ("formula-error", code) for a formula whose value is an error."""
    strings = sorted({v for r in rows for v in r if isinstance(v, str)})
    index = {s: i for i, s in enumerate(strings)}
    cells = b""
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            if isinstance(v, str):
                cells += _rec(0x00FD, struct.pack("<HHHI", i, j, 0, index[v]))
            elif isinstance(v, tuple) and v[0] == "error":
                cells += _rec(0x0205, struct.pack("<HHHBB", i, j, 0, v[1], 1))
            elif isinstance(v, tuple):
                value = bytes([2, 0, v[1], 0, 0, 0, 0xFF, 0xFF])
                cells += _rec(0x0006, struct.pack("<HHH", i, j, 0) + value + struct.pack("<HIH", 0, 0, 2) + bytes([0x1C, v[1]]))
            elif v is not None:
                cells += _rec(0x0203, struct.pack("<HHHd", i, j, 0, float(v)))
    width = max(map(len, rows), default=0)
    sheet_stream = (_rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 6))
                    + _rec(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0)) + cells + _rec(0x000A))
    sst = struct.pack("<II", len(strings), len(strings)) + b"".join(
        struct.pack("<HB", len(s), 1) + s.encode("utf-16-le") for s in strings)
    name = sheet.encode("utf-16-le")

    def globals_(offset: int) -> bytes:
        return (_rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6))
                + (_rec(0x002F, bytes([1, 0, 1, 0, 1, 0]) + bytes(48)) if password else b"")
                + _rec(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(sheet), 1) + name)
                + _rec(0x00FC, sst) + _rec(0x000A))

    book = globals_(len(globals_(0)))
    stream = book + sheet_stream
    stream += bytes(max(4096, -(-len(stream) // 512) * 512) - len(stream))
    n = len(stream) // 512
    end, free, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF
    fat = [0xFFFFFFFD, end] + list(range(3, n + 2)) + [end]
    fat += [free] * (128 - len(fat))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0) + struct.pack("<109I", 0, *[free] * 108))

    def entry(name: str, typ: int, child: int, start: int, size: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le") if name else b""
        return (raw.ljust(64, b"\0") + struct.pack("<HBBIII", len(raw), typ, 1, nostream, nostream, child)
                + bytes(36) + struct.pack("<III", start, size, 0))

    directory = entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, nostream, 2, len(stream))
    directory += entry("", 0, nostream, 0, 0) * 2
    return header + struct.pack("<128I", *fat) + directory + stream


XLS_ROWS = [["2018年柯桥区扶贫劳务协作人员名单"], list(PERSON), list(PERSON.values()),
            [*list(PERSON.values())[:6], ("error", 0x2A), ("formula-error", 0x07)],
            [("error", 0x2A)] * len(PERSON)]


def test_xls_error_cells_read_as_their_text():
    r = read_roster(build_xls(XLS_ROWS), "名单.xls")
    assert r.file_kind == "xls" and r.header_row == 2
    assert r.row_numbers.tolist() == [3, 4, 5] and r.blank_rows == 0
    assert values(r, "social_insurance_months") == ["12", "#N/A", "#N/A"]
    assert values(r, "continuous_months") == ["12", "#DIV/0!", "#N/A"]
    assert values(r, "name") == ["张三", "张三", "#N/A"]


def test_password_protected_xls():
    # a FILEPASS record after the BOF: calamine says "Cannot detect file format" when reading
    # from memory (PasswordError only from a path); the officer is told about the password
    expect_error(build_xls(XLS_ROWS, password=True), "encrypted", "名单.xls")
    assert read_roster(build_xls(XLS_ROWS), "名单.xls").file_kind == "xls"


# --------------------------------------------------------------------------- files that cannot be read

@pytest.mark.parametrize("data", [b"", b"   ", b"\r\n\r\n\n", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n \n"])
def test_empty_file(data):
    expect_error(data, "empty")


def test_only_commas_is_empty():
    expect_error(b",,,,\r\n,,,,\r\n", "empty")


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    bytes(range(256)) * 4,
    "姓名,身份证号\n".encode("utf-8") + b"\x00\x00\x00",
])
def test_binary_is_not_a_table(data):
    expect_error(data, "not_table", "photo.csv")


def test_bytes_neither_utf8_nor_gb18030():
    expect_error(b"\x80\x81\x82\xff\xfe" * 20 + b"\n", "not_table")


def test_text_that_is_not_a_table():
    letter = "各区、县（市）人力社保局：\n现将有关事项通知如下。\n一、请按时报送名单。\n".encode("gbk")
    err = expect_error(letter, "no_header")
    for h in REQ_HEADERS:
        assert h in err.message


def test_missing_required_columns_are_named():
    header = [h for h in PERSON if h not in ("身份证号", "建档立卡")] + ["备注"]
    err = expect_error(csv_text([["标题"], header, ["x"] * len(header)]).encode("gbk"), "missing_columns")
    assert err.message.startswith("缺少必填列：身份证号、建档立卡")
    assert "第 2 行" in err.message  # the row that came closest


def test_html_saved_as_xls():
    page = "<html><head><meta charset='utf-8'></head><body><table><tr><td>姓名</td></tr></table></body></html>"
    expect_error(page.encode("utf-8"), "html", "名单.xls")


@pytest.mark.parametrize("page", [
    '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n<table><tr><td>姓名</td></tr></table>',
    "<table border=1><tr><td>姓名</td><td>身份证号</td></tr></table>",
    "\n  <!DOCTYPE html>\n<body><table><tr><td>姓名</td></tr></table></body>",
    '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body></body></html>',
])
def test_web_page_without_an_html_tag_saved_as_xls(page):
    expect_error(page.encode("utf-8"), "html", "名单.xls")
    expect_error(codecs.BOM_UTF8 + page.encode("utf-8"), "html", "名单.xls")


def test_excel_2003_xml_spreadsheet():
    doc = ('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
           '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
           'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="名单"><Table><Row>'
           '<Cell><Data ss:Type="String">姓名</Data></Cell></Row></Table></Worksheet></Workbook>')
    err = expect_error(doc.encode("utf-8"), "xml_spreadsheet", "名单.xls")
    assert ".xlsx" in err.message


def test_corrupt_xlsx():
    expect_error(b"PK\x03\x04" + b"garbage" * 100, "corrupt_xlsx", "名单.xlsx")


def test_zip_that_is_not_a_workbook():
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hello")
    expect_error(buf.getvalue(), "corrupt_xlsx", "名单.xlsx")


def test_truncated_xlsx():
    def fill(wb, ws):
        ws.write_row(0, 0, list(PERSON))
    data = build_xlsx({"名单": fill})
    expect_error(data[: len(data) // 2], "corrupt_xlsx", "名单.xlsx")


def test_corrupt_xls():
    expect_error(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00garbage" * 100, "corrupt_xls", "名单.xls")


def test_password_protected_workbook():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64
    expect_error(data, "encrypted", "名单.xlsx")


def test_unexpected_failure_becomes_one_sentence(monkeypatch):
    def boom(*args, **kwargs):
        raise ValueError("internal detail")
    monkeypatch.setattr(reader_csv, "_finish", boom)
    err = expect_error(csv_text(simple_rows(1)).encode("utf-8"), "unreadable", "名单.csv")
    assert err.message.startswith("文件无法读取：")
    assert "internal detail" not in err.message
    assert isinstance(err.__cause__, ValueError)


def test_read_roster_path(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes(csv_text(simple_rows(2)).encode("gbk"))
    r = read_roster_path(path)
    assert values(r, "name") == ["人0", "人1"] and r.encoding == "gb18030"
    err = pytest.raises(RosterReadError, read_roster_path, tmp_path / "无此文件.csv").value
    assert err.key == "cannot_open" and "无此文件.csv" in err.message


def test_error_message_in_english():
    with pytest.raises(RosterReadError) as info:
        read_roster(b"", "x.csv")
    assert info.value.text("en") == t("reader.empty", lang="en")
