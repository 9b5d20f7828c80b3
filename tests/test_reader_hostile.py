"""Hostile files: what must not stop the server or hang the command line. Every file is made
here, small (a declared size, not a real one, is what a check reads)."""
from __future__ import annotations

import codecs
import io
import logging
import os
import re
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
import xlsxwriter

from core import reader_limits
from core.cli import main
from core.engine import evaluate_roster
from core.i18n import t
from core.reader import RawRoster, RosterReadError, read_roster, read_roster_isolated
from core.validate import split
from tests.test_reader import PERSON, XLS_ROWS, build_xls, csv_text, expect_error, simple_rows

ROOT = Path(__file__).resolve().parent.parent


def rewrite_xlsx(data: bytes, change) -> bytes:
    """The workbook with ``change(name, bytes) -> bytes`` applied to each zip member."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, change(info.filename, src.read(info)))
    return out.getvalue()


def corner_xlsx(dimension: str | None = None) -> bytes:
    """A sheet whose only cells are A1 and XFD1048576 (6 KB); ``dimension``: the used range the
    sheet declares instead of the true one."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out)
    ws = wb.add_worksheet("名单")
    ws.write(0, 0, "x")
    ws.write(1_048_575, 16_383, "y")
    wb.close()
    if dimension is None:
        return out.getvalue()
    return rewrite_xlsx(out.getvalue(), lambda name, b: re.sub(
        rb'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>'.encode(), b) if "worksheets" in name else b)


def roster_xlsx(rows: list[list], formulas: dict | None = None) -> bytes:
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out)
    ws = wb.add_worksheet("名单")
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            ws.write_string(i, j, v)
    for (i, j), f in (formulas or {}).items():
        ws.write_formula(i, j, f)
    wb.close()
    return out.getvalue()


PANIC_XLS = {   # .xls files on which python-calamine panics (a Rust panic, not an exception)
    "ole_header_only": lambda: build_xls(XLS_ROWS)[:512],
    "truncated_617": lambda: build_xls(XLS_ROWS)[:617],
    "truncated_811": lambda: build_xls(XLS_ROWS)[:811],
    "truncated_1102": lambda: build_xls(XLS_ROWS)[:1102],
}


# --------------------------------------------------------------------------- workbooks

def test_a_sheet_declaring_a1_to_xfd1048576_is_refused_before_parsing():
    data = corner_xlsx()
    assert len(data) < 10_000
    start = time.perf_counter()
    err = expect_error(data, "too_many_columns", "名单.xlsx")
    assert time.perf_counter() - start < 2
    assert "16,384" in err.message


def test_a_sheet_declaring_more_than_excel_holds():
    err = expect_error(corner_xlsx("A1:XFE1048577"), "beyond_excel", "名单.xlsx")
    assert "A1:XFE1048577" in err.message


def test_a_small_workbook_declaring_a_million_rows_is_refused_before_parsing():
    # A1 and T1048576: 21 million cells to hold for a file of a few KB (it took minutes and GBs)
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out)
    ws = wb.add_worksheet("名单")
    ws.write(0, 0, "x")
    ws.write(1_048_575, 19, "y")
    wb.close()
    err = expect_error(out.getvalue(), "too_many_cells", "名单.xlsx")
    assert "A1:T1048576" in err.message


def test_too_many_cells_declared(monkeypatch):
    monkeypatch.setattr(reader_limits, "MAX_WORKBOOK_CELLS", 1000)
    expect_error(corner_xlsx("A1:J101"), "too_many_cells", "名单.xlsx")


def test_a_sheet_that_lies_about_its_size_is_stopped_in_the_reading_process(caplog):
    # the sheet says A1, calamine would allocate 549 GB for the two corners: the child dies, the
    # caller gets one sentence and the server log the details
    data = corner_xlsx("A1")
    reader_limits.precheck(data, "名单")           # the declared size tells nothing
    caplog.set_level(logging.WARNING, "core.reader_worker")
    with pytest.raises(RosterReadError) as info:
        read_roster_isolated(data, "名单.xlsx", seconds=60, memory_mb=1024)
    assert info.value.key in ("worker_failed", "worker_limit")
    assert info.value.message.startswith("文件无法读取：") and "\n" not in info.value.message
    assert any("名单.xlsx" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("name", sorted(PANIC_XLS))
def test_xls_that_makes_the_rust_reader_panic(name):
    data = PANIC_XLS[name]()
    err = expect_error(data, "corrupt_xls", "名单.xls")     # in this process: no PanicException
    with pytest.raises(RosterReadError) as info:
        read_roster_isolated(data, "名单.xls")
    assert info.value.key == err.key


def test_a_zip_bomb_of_whitespace_is_refused_from_its_declared_sizes():
    padded = lambda name, b: b.replace(b"<sheetData>", b"<sheetData>" + b" " * 20_000_000) \
        if "worksheets" in name else b
    data = rewrite_xlsx(roster_xlsx(simple_rows(1)), padded)
    assert len(data) < 200_000
    expect_error(data, "zip_bomb", "名单.xlsx")


def test_large_workbook_parts_are_not_parsed_in_the_server(monkeypatch):
    # the dimension check parses workbook.xml and the .rels parts: not when they are large
    big = lambda name, b: b + b" " * (9 << 20) if name == "_rels/.rels" else b
    data = rewrite_xlsx(corner_xlsx(), big)
    monkeypatch.setattr(reader_limits, "MAX_ZIP_RATIO", 100_000)
    parsed = []
    import xml.etree.ElementTree as ET
    real = ET.fromstring
    monkeypatch.setattr(ET, "fromstring", lambda text, *a, **k: parsed.append(len(text)) or real(text, *a, **k))
    reader_limits.precheck(data, "名单")          # no dimension check: nothing refused here
    assert parsed == []


def test_a_workbook_that_unpacks_too_large(monkeypatch):
    monkeypatch.setattr(reader_limits, "MAX_UNPACKED_MB", 0)
    expect_error(roster_xlsx(simple_rows(1)), "unpacked_too_large", "名单.xlsx")


def test_a_shared_string_longer_than_an_excel_cell():
    long = "a" * 400_000
    data = rewrite_xlsx(roster_xlsx(simple_rows(1)), lambda name, b: b.replace(
        "人0".encode(), long.encode()) if name == "xl/sharedStrings.xml" else b)
    start = time.perf_counter()
    expect_error(data, "text_too_long", "名单.xlsx")
    assert time.perf_counter() - start < 2


def _people(n: int) -> list[list[str]]:
    """simple_rows with a valid ID number of its own on every row (so the rows can be valid)."""
    from tests.rule_cases import make_id

    rows = simple_rows(n)
    at = rows[0].index("身份证号")
    for i, row in enumerate(rows[1:]):
        row[at] = make_id("513226", seq=100 + i)
    return rows


def test_formula_cells_with_no_computed_value_are_a_row_with_an_error():
    rows = simple_rows(2)
    formulas = {(3, j): "=A2" for j in range(len(PERSON))}   # row 4: formulas only
    no_values = lambda name, b: re.sub(rb"(</f>)<v>[^<]*</v>", rb"\1", b) if "worksheets" in name else b
    data = rewrite_xlsx(roster_xlsx(rows, formulas), no_values)
    raw = read_roster(data, "名单.xlsx")
    assert raw.row_numbers.tolist() == [2, 3, 4] and raw.blank_rows == 0
    result = evaluate_roster(raw)
    errors = split(result.frame["errors"].iloc[2])
    assert t("reader.row.formula_no_value", header="姓名") in errors
    assert t("reader.row.formula_no_value", header="姓名") not in split(result.frame["errors"].iloc[0])


def test_a_formula_with_no_value_in_a_filled_row_is_named_as_such():
    """openpyxl saves '=A1' with no computed value: in a row whose other cells are filled, the
    cell is said to be a formula with no value (open and save in Excel/WPS), not only missing;
    a formula with its value, and an empty cell that is no formula, are not."""
    import openpyxl

    rows = _people(3)
    headers = rows[0] + ["职业资格等级", "取证日期", "培训费用"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名单"
    ws.append(headers)
    for r in rows[1:]:
        ws.append(r + ["初级工", "2018/6/1", "800"])
    day = headers.index("首次来绍就业日期") + 1
    ws.cell(row=3, column=day).value = "=A1"                  # required, in a filled row
    ws.cell(row=4, column=len(headers)).value = "=G4*100"     # optional 培训费用
    buf = io.BytesIO()
    wb.save(buf)
    raw = read_roster(buf.getvalue(), "名单.xlsx")
    assert raw.row_numbers.tolist() == [2, 3, 4]
    errors = [split(e) for e in evaluate_roster(raw).frame["errors"]]
    formula = t("reader.row.formula_no_value", header="首次来绍就业日期")
    assert formula in errors[1] and formula not in errors[0] and formula not in errors[2]
    assert t("reader.row.formula_no_value", header="培训费用") in errors[2]
    assert not any("公式" in e for e in errors[0])
    assert "WPS" in formula
    # RULES.md: a cell that cannot be read is an error of what it feeds. The required date decides
    # coverage: the whole row, said once (the formula, not also "missing"). The optional cost feeds
    # the skill item only: that item is an error, the row stays valid and its other items are paid.
    frame = evaluate_roster(read_roster(buf.getvalue(), "名单.xlsx")).frame
    assert t("validate.missing", header="首次来绍就业日期") not in errors[1]
    assert frame["valid"].tolist() == [True, False, True]
    assert [frame["skill_training_status"].iloc[i] for i in (0, 2)] == ["eligible", "error"]
    assert frame["skill_training"].tolist() == [800, 0, 0]
    assert frame["stabilization_status"].iloc[2] == frame["stabilization_status"].iloc[0]


def test_a_formula_with_no_value_in_a_column_that_decides_nothing_is_a_warning():
    import openpyxl

    rows = _people(2)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名单"
    ws.append(rows[0] + ["户籍县（市、区）", "备注"])
    for r in rows[1:]:
        ws.append(r + ["金川县", "x"])
    ws.cell(row=3, column=len(rows[0]) + 1).value = "=A1"     # the county decides no item
    ws.cell(row=3, column=len(rows[0]) + 2).value = "=A1"     # the officer's own column
    buf = io.BytesIO()
    wb.save(buf)
    result = evaluate_roster(read_roster(buf.getvalue(), "名单.xlsx"))
    frame = result.frame
    assert frame["valid"].tolist() == [True, True] and frame["errors"].iloc[1] == ""
    warned = split(frame["warnings"].iloc[1])
    assert t("reader.row.formula_no_value", header="户籍县（市、区）") in warned
    assert t("reader.row.formula_no_value", header="备注") in warned


def test_formulas_with_values_are_not_flagged_in_filled_rows():
    rows = simple_rows(2)
    data = roster_xlsx(rows, {(1, len(rows[0])): "=G2", (2, len(rows[0])): "=G3"})   # xlsxwriter writes value 0
    raw = read_roster(data, "名单.xlsx")
    assert not [i for i in raw.issues if i[0] == "formula_no_value"]


# --------------------------------------------------------------------------- control characters

@pytest.mark.parametrize("form", ["utf-8-sig", "utf-16", "xlsx"])
def test_a_control_character_in_a_cell_is_a_row_error_naming_its_column(form):
    rows = simple_rows(2)
    rows[2][0] = "李\x00四"
    rows[1][5] = "柯桥\x01区"
    data = roster_xlsx(rows) if form == "xlsx" else csv_text(rows).encode(form)
    raw = read_roster(data, "名单.xlsx" if form == "xlsx" else "名单.csv")
    assert len(raw.frame) == 2
    assert not raw.frame["name"].str.contains("\x00", regex=False).any()
    result = evaluate_roster(raw)
    second = split(result.frame["errors"].iloc[1])
    assert t("reader.row.control_chars", header="姓名") in second
    assert t("reader.row.control_chars", header="就业区县") in split(result.frame["errors"].iloc[0])
    assert len(result.frame) == 2


# --------------------------------------------------------------------------- CSV

def test_a_million_cells_in_one_row_is_refused_quickly():
    data = csv_text(simple_rows(1)).encode() + b"a," * 1_000_000 + b"\r\n"     # 2 MB
    start = time.perf_counter()
    expect_error(data, "line_too_long")
    assert time.perf_counter() - start < 2


def test_a_wide_row_within_the_line_limit_is_refused_by_the_reader_quickly():
    data = csv_text(simple_rows(1)).encode() + b"," * 1_000_000 + b"\r\n"      # 1 MB of empty cells
    start = time.perf_counter()
    expect_error(data, "too_many_columns")
    assert time.perf_counter() - start < 3


def test_more_columns_than_a_roster_has():
    rows = simple_rows(1)
    rows[0] += [f"x{i}" for i in range(300)]
    err = expect_error(csv_text(rows).encode(), "too_many_columns")
    assert "308" in err.message


def test_commas_inside_cells_of_a_tab_file_are_not_counted_as_columns():
    rows = simple_rows(1)
    rows[1][0] = "," * 400
    r = read_roster(csv_text(rows, "\t").encode(), "名单.csv")
    assert r.frame["name"].iloc[0] == "," * 400


def test_a_cell_longer_than_excel_allows():
    rows = simple_rows(2)
    rows[2][0] = "长" * 40_000
    err = expect_error(csv_text(rows).encode(), "cell_too_long")
    assert err.fmt["row"] == 3 and err.fmt["header"] == "姓名"


def test_utf8_with_a_bom_that_is_not_utf8_is_not_a_table():
    # found by the fuzz test: a UTF-8 BOM, then a header with a byte that is not UTF-8
    data = codecs.BOM_UTF8 + csv_text(simple_rows(2)).encode()
    data = data[:8] + b"\xba" + data[8:]
    expect_error(data, "not_table")


def test_rows_beyond_an_excel_sheet(monkeypatch):
    monkeypatch.setattr(reader_limits, "EXCEL_MAX_ROWS", 3)
    read_roster(csv_text(simple_rows(2)).encode(), "名单.csv")          # rows 2 and 3
    err = expect_error(csv_text(simple_rows(3)).encode(), "too_many_rows")
    assert err.fmt["rows"] == "4"


def test_a_csv_file_larger_than_the_limit(monkeypatch):
    monkeypatch.setattr(reader_limits, "MAX_CSV_MB", 0)
    expect_error(csv_text(simple_rows(1)).encode(), "file_too_large")


def test_check_csv_counts_lines_across_pieces(monkeypatch):
    # refused only when every usual delimiter makes a line wider than a roster
    monkeypatch.setattr(reader_limits, "_CHUNK", 64)
    line = b"a,\t;" * 100
    reader_limits.check_csv((line + b"\n") * 50)              # 101 cells a line: fine
    reader_limits.check_csv((b"a," * 400 + b"\n") * 3)        # 401 by commas, 1 by tabs: fine
    with pytest.raises(RosterReadError) as info:
        reader_limits.check_csv((line * 3 + b"\n") * 3)       # 301 cells, across pieces
    assert info.value.key == "too_many_columns"
    with pytest.raises(RosterReadError):                      # short lines first, then a wide one
        reader_limits.check_csv(b"a,b\n" * 40 + b"xy" + line * 3 + b"\n")
    utf16 = codecs.BOM_UTF16_LE + ("a,\t;" * 300 + "\n").encode("utf-16-le")
    with pytest.raises(RosterReadError):
        reader_limits.check_csv(utf16)


# --------------------------------------------------------------------------- the reading process

def test_the_reading_process_gives_the_same_roster():
    rows = simple_rows(3)
    rows[2][0] = "王\x01五"
    data = csv_text(rows).encode("gbk")
    here, there = read_roster(data, "名单.csv"), read_roster_isolated(data, "名单.csv")
    assert isinstance(there, RawRoster)
    assert there.frame.equals(here.frame) and there.row_numbers.tolist() == here.row_numbers.tolist()
    assert there.encoding == here.encoding == "gb18030"
    assert [(k, c, p.tolist()) for k, c, p in there.frame.attrs["reader_issues"]] == [("control_chars", "name", [1])]


def test_a_refusal_in_the_reading_process_is_the_readers_sentence():
    with pytest.raises(RosterReadError) as info:
        read_roster_isolated(csv_text([["a", "b"], ["1", "2"]]).encode(), "名单.csv")
    assert info.value.key == "no_header"


def test_the_wall_time_limit_kills_the_reading_process(caplog):
    caplog.set_level(logging.WARNING, "core.reader_worker")
    with pytest.raises(RosterReadError) as info:
        read_roster_isolated(csv_text(simple_rows(2)).encode(), "名单.csv", seconds=0.001)
    assert info.value.key == "worker_limit"
    assert "wall time" in caplog.text


def test_the_memory_limit_stops_the_reading_process():
    data = csv_text(simple_rows(20_000)).encode()
    with pytest.raises(RosterReadError) as info:
        read_roster_isolated(data, "名单.csv", memory_mb=64)
    assert info.value.key == "worker_limit"
    assert "64 MB" in info.value.message


def test_what_the_reading_process_imports_holds_little_memory():
    """The memory limit counts the whole data segment of the reading process: the modules its fork
    server imports must not start a thread pool at import (a frame built at import once reserved
    1 GB there, and a 1 GB limit failed before reading anything)."""
    import subprocess
    import sys

    from core.paths import ROOT

    code = ("import importlib, core.reader_worker as w\n"
            "[importlib.import_module(m) for m in ('core.reader', *w._READER_LIBRARIES)]\n"
            "print([l for l in open('/proc/self/status') if l.startswith('VmData:')][0].split()[1])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert int(out.stdout.strip()) < 512 * 1024, out.stdout       # kB


def test_limits_from_the_environment(monkeypatch):
    from core.reader_worker import DEFAULT_MEMORY_MB, limits

    monkeypatch.setenv("SHAOXING_READ_SECONDS", "7.5")
    monkeypatch.setenv("SHAOXING_READ_MEMORY_MB", "oops")
    assert limits() == (7.5, DEFAULT_MEMORY_MB)


# --------------------------------------------------------------------------- command line and server

@pytest.mark.parametrize("target", ["/dev/zero", "fifo", "folder"])
def test_the_command_line_reads_regular_files_only(target, tmp_path, capsys):
    if target == "fifo":
        target = str(tmp_path / "名单.csv")
        os.mkfifo(target)
    elif target == "folder":
        target = str(tmp_path)
    assert main(["evaluate", target]) == 2
    err = capsys.readouterr().err.strip()
    assert err == t("reader.not_a_file", name=Path(target).name)


def test_invalid_utf8_after_the_first_64kb_is_one_sentence(tmp_path):
    data = csv_text(simple_rows(3000)).encode() + b"\xff\xfe,x\r\n"
    assert data.index(b"\xff") > 64 * 1024
    path = tmp_path / "名单.csv"
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-m", "core", "evaluate", str(path)], cwd=ROOT,
                          capture_output=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.decode().strip() == t("reader.not_table")


def test_a_panicking_xls_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "名单.xls"
    path.write_bytes(PANIC_XLS["ole_header_only"]())
    assert main(["evaluate", str(path)]) == 2
    assert capsys.readouterr().err.strip() == t("reader.corrupt_xls")


def test_server_upload_limit_is_the_one_the_pages_state():
    from pages._common import MAX_UPLOAD_MB

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB
    assert config["client"]["showErrorDetails"] is False
    assert np.int64(MAX_UPLOAD_MB) * (1 << 20) <= reader_limits.MAX_CSV_MB * (1 << 20)


def test_the_roster_page_says_file_cannot_be_read_once():
    from pages import _common

    loaded = _common.process_roster(corner_xlsx("A1"), "名单.xlsx")
    assert loaded.result is None
    shown = _common.ui_text("roster.read_error", reason=loaded.error)
    assert shown.count("文件无法读取") == 1 and "名单.xlsx" in shown
    loaded = _common.process_roster(PANIC_XLS["ole_header_only"](), "名单.xls")
    assert loaded.error == t("reader.corrupt_xls")


def test_a_reading_process_that_cannot_be_started_is_one_sentence(monkeypatch, caplog):
    from core import reader_worker

    def no_fork(*args):
        raise OSError(11, "Resource temporarily unavailable")
    monkeypatch.setattr(reader_worker, "_run", no_fork)
    with pytest.raises(RosterReadError) as info:
        read_roster_isolated(csv_text(simple_rows(1)).encode(), "名单.csv")
    assert info.value.key == "worker_failed" and "could not be run" in caplog.text


def test_the_hand_over_folder_is_memory_only_when_it_has_room(monkeypatch):
    from types import SimpleNamespace

    from core import reader_worker

    monkeypatch.setattr(os, "statvfs", lambda path: SimpleNamespace(f_bavail=16_384, f_frsize=4096))  # 64 MB
    assert reader_worker._folder(100 << 20) is None
    monkeypatch.setattr(os, "statvfs", lambda path: SimpleNamespace(f_bavail=1 << 22, f_frsize=4096))  # 16 GB
    assert reader_worker._folder(100 << 20) in ("/dev/shm", None)   # None only where it is not writable
    big = csv_text(simple_rows(3)).encode()
    assert read_roster_isolated(big, "名单.csv").row_numbers.tolist() == [2, 3, 4]


def test_a_fairs_workbook_is_read_in_the_reading_process_too():
    from pages import _dashboard_data

    rows = [["区县", "日期", "举办地", "企业"], ["柯桥区", "2018-05-01", "金川县", "甲公司"]]
    fairs = _dashboard_data.read_fairs(roster_xlsx(rows), "fairs.xlsx")
    assert fairs["district"].tolist() == ["柯桥区"] and fairs["date"].dt.year.tolist() == [2018]
    for data, name in ((corner_xlsx("A1"), "fairs.xlsx"), (PANIC_XLS["ole_header_only"](), "fairs.xls"),
                       (corner_xlsx(), "fairs.xlsx")):
        with pytest.raises(_dashboard_data.FairsReadError) as info:
            _dashboard_data.read_fairs(data, name)
        assert "\n" not in str(info.value) and "Traceback" not in str(info.value)
    with pytest.raises(_dashboard_data.FairsReadError) as info:    # a CSV wider than any table: refused before parsing
        _dashboard_data.read_fairs(b"a," * 1_000_000, "fairs.csv")
    assert str(info.value) == t("reader.line_too_long", kb="1,953", limit="1,024")
