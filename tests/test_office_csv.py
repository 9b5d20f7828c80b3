"""The CSV the project writes, opened by a real office suite (LibreOffice Calc, headless): an
18-digit ID number stays 18 digits of text (not 5.13226E+17) and a formula typed into a cell
stays text. Without ``soffice`` the test skips with the reason, unless REQUIRE_OFFICE=1 or
REQUIRE_E2E=1 (.ci/run sets both; Debian package libreoffice-calc-nogui)."""
from __future__ import annotations

import os
import shutil
import subprocess

import openpyxl
import pytest

from core import output
from core.engine import evaluate_file
from tests.test_validate import AS_OF, person, roster


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    reason = "soffice (LibreOffice) not installed: apt-get install libreoffice-calc-nogui"
    if os.environ.get("REQUIRE_OFFICE") == "1" or os.environ.get("REQUIRE_E2E") == "1":
        pytest.fail(f"REQUIRE_OFFICE=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _open_in_calc(soffice: str, csv_path, tmp_path):
    """LibreOffice opens the CSV as a user does (comma, double quotes, UTF-8; every other import
    setting Calc's default: no column typed as text, quoted fields not forced to text) and saves it
    as xlsx; the cells as Calc typed them (number, text, formula) are read back from that workbook."""
    out = tmp_path / "out"
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(out), str(csv_path)],
                   check=True, capture_output=True, timeout=180)
    return openpyxl.load_workbook(out / (csv_path.stem + ".xlsx")).worksheets[0]


def test_calc_keeps_the_id_digits_and_runs_no_formula(tmp_path):
    soffice = _soffice()
    rows = [person(1, **{"备注": "=1+1"}), person(2, name="=1+1", **{"备注": "007"})]
    res = evaluate_file(roster(rows, extra=("备注",)), "r.csv", as_of=AS_OF)
    ids = res.frame["id_number"].tolist()
    path = tmp_path / "result.csv"
    path.write_bytes(output.to_csv_bytes(res))

    ws = _open_in_calc(soffice, path, tmp_path)
    header = [c.value for c in ws[1]]
    id_cells = [ws.cell(row=r, column=header.index("身份证号") + 1) for r in (2, 3)]
    assert [c.data_type for c in id_cells] == ["s", "s"]                 # text, not a number
    assert [c.value.strip() for c in id_cells] == ids                    # all 18 digits
    assert all(len(c.value.strip()) == 18 for c in id_cells)
    cells = [c for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []     # nothing Calc would compute
    name = ws.cell(row=3, column=header.index("姓名") + 1)
    note = [ws.cell(row=r, column=header.index("备注") + 1) for r in (2, 3)]
    assert name.data_type == "s" and name.value == "'=1+1"              # shown as typed, not 2
    assert note[0].data_type == "s" and note[0].value == "'=1+1"
    assert note[1].data_type == "s" and note[1].value.strip() == "007"   # not the number 7


def test_calc_reads_the_unmarked_id_as_a_number(tmp_path):
    """The control: the same CSV without the mark loses the digits in Calc, as in Excel, and
    without the quote a formula is a formula; this is what the marks prevent (if Calc ever
    changed, the test above would prove nothing)."""
    soffice = _soffice()
    res = evaluate_file(roster([person(1, **{"备注": "=1+1"})], extra=("备注",)), "r.csv", as_of=AS_OF)
    path = tmp_path / "plain.csv"
    path.write_bytes(output.to_csv_bytes(res).replace(b"\t", b"").replace(b"'=1+1", b"=1+1"))
    ws = _open_in_calc(soffice, path, tmp_path)
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=header.index("身份证号") + 1)
    assert cell.data_type == "n" and str(int(cell.value)) != res.frame["id_number"].iloc[0]
    assert ws.cell(row=2, column=header.index("备注") + 1).data_type == "f"     # unquoted, it would run
