"""The blank roster template officers download: .xlsx (with a column guide sheet) and .csv.

Headers, their order and which are required come from ``data/columns.yaml``; the accepted values
listed in the guide come from the reference tables (districts, skill levels) and the catalog.
"""
from __future__ import annotations

import io

import xlsxwriter

from core.cells import WORKBOOK_OPTIONS, safe_text
from core.i18n import t
from core.reader import ROSTER_SHEET
from core.reference import Column, columns, districts, skill_levels, split_aliases

FORMATS = ("xlsx", "csv")
#: rows of the roster sheet given drop-down lists (what an office roster may reach)
_VALIDATION_ROWS = 5000


def template_filename(fmt: str, lang: str = "zh") -> str:
    """File name of the template, e.g. ``扶贫劳务协作名单模板.xlsx``."""
    _check(fmt)
    return f"{t('template.filename', lang)}.{fmt}"


def template_bytes(fmt: str, lang: str = "zh") -> bytes:
    """The blank template as bytes: ``xlsx`` or ``csv`` (UTF-8 with BOM, header row only)."""
    _check(fmt)
    if fmt == "csv":
        return _csv_bytes()
    return _xlsx_bytes(lang)


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"template format must be one of {FORMATS}, not {fmt!r}")


def _csv_bytes() -> bytes:
    # headers hold no comma, quote or newline; written plainly, CRLF as Excel writes CSV
    return ("\ufeff" + ",".join(safe_text(c.header) for c in columns()) + "\r\n").encode("utf-8")


# --------------------------------------------------------------------------- guide texts

def _placeholders(lang: str) -> dict[str, str]:
    sep = t("template.list_separator", lang)
    levels = skill_levels()
    aliases: list[str] = []
    for value in levels["aliases"]:
        aliases.extend(a for a in split_aliases(value) if a not in aliases)
    return {
        "districts": sep.join(districts()["name"]),
        "levels": sep.join(levels["level"]),
        "level_aliases": sep.join(aliases),
        "date_forms": t("template.date_forms", lang),
        "yesno_forms": t("template.yesno_forms", lang),
    }


def accepted_text(col: Column, lang: str = "zh") -> str:
    """What a column accepts, as shown in the guide sheet and the header note."""
    return t(f"template.accepted.{col.field}", lang, **_placeholders(lang))


def required_text(col: Column, lang: str = "zh") -> str:
    try:
        return t(f"template.required_override.{col.field}", lang)
    except KeyError:
        return t("template.required_yes" if col.required else "template.required_no", lang)


def example_value(col: Column, lang: str = "zh") -> str:
    return t(f"template.example.{col.field}", lang)


def guide_rows(lang: str = "zh") -> list[tuple[str, str, str, str, str]]:
    """One line per column: header, field, required, accepted values, example."""
    return [
        (c.header, c.field, required_text(c, lang), accepted_text(c, lang), example_value(c, lang))
        for c in columns()
    ]


# --------------------------------------------------------------------------- xlsx

def _width(text: str) -> float:
    # CJK characters take about two character widths in Excel
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _xlsx_bytes(lang: str) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, **WORKBOOK_OPTIONS})
    base = {"font_name": "宋体", "font_size": 11}
    header_fmt = wb.add_format({**base, "bold": True, "border": 1, "align": "center", "valign": "vcenter",
                                "text_wrap": True, "bg_color": "#DDEBF7"})
    required_fmt = wb.add_format({**base, "bold": True, "border": 1, "align": "center", "valign": "vcenter",
                                  "text_wrap": True, "bg_color": "#FCE4D6", "font_color": "#C00000"})
    text_fmt = wb.add_format({**base, "num_format": "@"})
    plain_fmt = wb.add_format(base)

    cols = columns()
    ws = wb.add_worksheet(ROSTER_SHEET)
    ws.set_row(0, 30)
    for j, col in enumerate(cols):
        width = max(_width(col.header) + 4, 12)
        if col.kind == "id":
            width = max(width, 22)
        if col.kind in ("id", "date"):
            ws.set_column(j, j, width, text_fmt)
        else:
            ws.set_column(j, j, width, plain_fmt)
        ws.write_string(0, j, safe_text(col.header), required_fmt if col.required else header_fmt)
        note = (t("template.required_comment", lang) if col.required else "") + accepted_text(col, lang)
        ws.write_comment(0, j, note, {"x_scale": 2.2, "y_scale": 1.6})
    ws.freeze_panes(1, 0)
    _dropdowns(ws, cols)

    _guide_sheet(wb, lang, base)
    wb.close()
    return buf.getvalue()


def _dropdowns(ws, cols: tuple[Column, ...]) -> None:
    """Drop-down lists for the closed sets; other spellings (aliases) stay allowed."""
    lists = {
        "yesno": ["是", "否"],
        "district": list(districts()["name"]),
        "level": list(skill_levels()["level"]),
    }
    for j, col in enumerate(cols):
        source = lists.get(col.kind)
        if source:
            ws.data_validation(1, j, _VALIDATION_ROWS, j, {
                "validate": "list", "source": source, "show_error": False, "ignore_blank": True,
            })


def _guide_sheet(wb, lang: str, base: dict) -> None:
    title_fmt = wb.add_format({**base, "bold": True, "font_size": 14})
    wrap_fmt = wb.add_format({**base, "text_wrap": True, "valign": "top"})
    head_fmt = wb.add_format({**base, "bold": True, "border": 1, "bg_color": "#DDEBF7", "text_wrap": True,
                              "valign": "top"})
    cell_fmt = wb.add_format({**base, "border": 1, "text_wrap": True, "valign": "top"})
    req_fmt = wb.add_format({**base, "border": 1, "text_wrap": True, "valign": "top", "bold": True,
                             "font_color": "#C00000"})
    text_cell = wb.add_format({**base, "border": 1, "num_format": "@", "valign": "top"})

    ws = wb.add_worksheet(t("template.guide_sheet", lang))
    ws.set_column(0, 0, 20)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 2, 16)
    ws.set_column(3, 3, 70)
    ws.set_column(4, 4, 22)
    ws.write_string(0, 0, t("template.guide_title", lang), title_fmt)
    ws.merge_range(1, 0, 1, 4, t("template.guide_intro", lang), wrap_fmt)
    ws.set_row(1, 48)
    labels = ["col_header", "col_field", "col_required", "col_accepted", "col_example"]
    for j, key in enumerate(labels):
        ws.write_string(3, j, t(f"template.{key}", lang), head_fmt)
    rows = guide_rows(lang)
    for i, (col, row) in enumerate(zip(columns(), rows), start=4):
        for j, value in enumerate(row):
            fmt = req_fmt if (j == 2 and col.required) else (text_cell if j == 4 else cell_fmt)
            ws.write_string(i, j, safe_text(value), fmt)
    ws.freeze_panes(4, 0)

    # the example row, laid out as on the roster sheet
    top = 4 + len(rows) + 1
    ws.write_string(top, 0, t("template.example_title", lang), title_fmt)
    for j, col in enumerate(columns()):
        ws.write_string(top + 1, j, safe_text(col.header), head_fmt)
        ws.write_string(top + 2, j, safe_text(example_value(col, lang)), text_cell)
