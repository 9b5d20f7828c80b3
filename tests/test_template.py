"""core.template: the blank roster template reads back through the reader, and its guide is complete."""
from __future__ import annotations

import codecs
import csv
import io

import openpyxl
import pytest
import python_calamine
from openpyxl.utils import get_column_letter

from core.i18n import t
from core.reader import read_roster
from core.reference import columns, districts, skill_levels, split_aliases
from core.template import template_bytes, template_filename

FIELDS = [c.field for c in columns()]
HEADERS = [c.header for c in columns()]


def guide_sheet_rows(data: bytes, lang: str = "zh") -> list[list]:
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return wb.get_sheet_by_name(t("template.guide_sheet", lang)).to_python()


def guide_lines(data: bytes, lang: str = "zh") -> dict[str, list]:
    """The guide's table, keyed by the field in its second column."""
    return {row[1]: row for row in guide_sheet_rows(data, lang) if row[1] in FIELDS}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_xlsx_template_reads_back_with_every_column_and_no_rows(lang):
    r = read_roster(template_bytes("xlsx", lang), template_filename("xlsx", lang))
    assert r.file_kind == "xlsx" and r.sheet == "名单"
    assert list(r.frame.columns) == FIELDS
    assert r.unknown_columns == []
    assert len(r.frame) == 0 and r.blank_rows == 0 and r.header_row == 1


def test_csv_template_is_utf8_bom_header_only():
    data = template_bytes("csv")
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [HEADERS]
    r = read_roster(data, template_filename("csv"))
    assert r.encoding == "utf-8-sig" and list(r.frame.columns) == FIELDS and len(r.frame) == 0


def test_file_names():
    assert template_filename("xlsx") == "扶贫劳务协作名单模板.xlsx"
    assert template_filename("csv") == "扶贫劳务协作名单模板.csv"
    with pytest.raises(ValueError):
        template_bytes("pdf")


def test_roster_sheet_layout():
    wb = openpyxl.load_workbook(io.BytesIO(template_bytes("xlsx")))
    assert wb.sheetnames[0] == "名单"
    ws = wb["名单"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == HEADERS
    fills = {}
    for j, col in enumerate(columns(), start=1):
        cell = ws.cell(1, j)
        assert cell.font.b
        fills.setdefault(col.required, set()).add(cell.fill.fgColor.rgb)
        assert cell.comment is not None
        assert cell.comment.text.startswith(t("template.required_comment")) == col.required
        dim = ws.column_dimensions[get_column_letter(j)]
        assert dim.width and dim.width >= 12
        if col.kind in ("id", "date"):  # Excel must not turn IDs or dates into numbers
            assert dim.number_format == "@"
        else:
            assert dim.number_format != "@"
    assert len(fills[True]) == 1 and len(fills[False]) == 1 and fills[True] != fills[False]


def test_guide_has_a_line_for_every_column():
    lines = guide_lines(template_bytes("xlsx"))
    assert list(lines) == FIELDS
    for col in columns():
        header, _, required, accepted, example = lines[col.field][:5]
        assert header == col.header
        assert accepted and example
        if col.required:
            assert required == t("template.required_yes")
        else:
            assert required != t("template.required_yes")


def test_guide_lists_accepted_values_from_the_reference_tables():
    lines = guide_lines(template_bytes("xlsx"))
    by_kind = {c.kind: lines[c.field][3] for c in columns()}
    for name in districts()["name"]:
        assert name in by_kind["district"]
    for _, level in skill_levels().iterrows():
        assert level["level"] in by_kind["level"]
        for alias in split_aliases(level["aliases"]):
            assert alias in by_kind["level"]
    for form in ("Y/N", "yes/no", "1/0", "true/false"):
        assert form in by_kind["yesno"]
    for form in ("2018-03-01", "2018/3/1", "2018.3.1", "2018年3月1日", "20180301"):
        assert form in by_kind["date"]


def test_guide_example_row_is_a_valid_roster_row():
    rows = guide_sheet_rows(template_bytes("xlsx"))
    at = next(i for i, row in enumerate(rows) if row[: len(HEADERS)] == HEADERS)
    example = [str(v) for v in rows[at + 1][: len(HEADERS)]]
    assert all(example)
    out = io.StringIO()
    csv.writer(out).writerows([HEADERS, example])
    r = read_roster(out.getvalue().encode("utf-8"), "example.csv")
    assert r.frame.iloc[0].tolist() == example
    assert r.row_numbers.tolist() == [2]
    # the example ID number carries a correct GB 11643 check digit
    idn = example[FIELDS.index("id_number")]
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    assert len(idn) == 18
    assert "10X98765432"[sum(int(d) * w for d, w in zip(idn[:17], weights)) % 11] == idn[17]
    # and the guide's per-column example equals the example row
    lines = guide_lines(template_bytes("xlsx"))
    assert [lines[f][4] for f in FIELDS] == example


def test_english_guide_keeps_chinese_headers():
    data = template_bytes("xlsx", "en")
    lines = guide_lines(data, "en")
    assert list(lines) == FIELDS
    assert [lines[f][0] for f in FIELDS] == HEADERS
    assert lines["work_district"][3].startswith("District")
