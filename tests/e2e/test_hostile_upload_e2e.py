"""Hostile uploads through the roster page of the real app: a workbook that makes the xlsx library
try to allocate 549 GB (the sheet A1 + XFD1048576, once with its true used range and once claiming
A1 only) and an .xls on which the Rust reader panics. Each gives the page one sentence, and the
server still answers afterwards (it used to die, or the page spun for ever)."""
from __future__ import annotations

import urllib.request

import pytest

from core.i18n import t
from tests.e2e.test_app_e2e import log_in, open_page, settle, ui
from core.reader import RosterReadError, read_roster_isolated
from tests.test_reader_hostile import PANIC_XLS, corner_xlsx, csv_text, rewrite_xlsx, roster_xlsx, simple_rows

pytestmark = pytest.mark.e2e


def healthy(app_url: str) -> bool:
    with urllib.request.urlopen(f"{app_url}/_stcore/health", timeout=10) as r:
        return r.status == 200 and r.read().strip() == b"ok"


def upload(page, path) -> str:
    """Upload ``path`` on the roster page; the text of the error the page shows."""
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    alert = page.locator('[data-testid="stAlert"]').filter(has_text=t("reader.worker_failed", name="")[:6])
    alert.first.wait_for(timeout=90_000)
    settle(page, timeout=90_000)
    return alert.first.inner_text()


CASES = {
    "corner_declared.xlsx": (corner_xlsx, [t("reader.too_many_columns", columns="16,384", limit=256)]),
    "corner_lying.xlsx": (lambda: corner_xlsx("A1"),
                          [t("reader.worker_failed", name="corner_lying.xlsx"),
                           t("reader.worker_limit", name="corner_lying.xlsx", seconds="120", mb=2048)]),
    "panic.xls": (PANIC_XLS["ole_header_only"], [t("reader.corrupt_xls")]),
}


def _zip_bomb() -> bytes:
    """8 MB of whitespace inside a sheet, packed to a few KB."""
    return rewrite_xlsx(roster_xlsx(simple_rows(1)), lambda name, b: b.replace(
        b"<sheetData>", b"<sheetData>" + b" " * 20_000_000) if "worksheets" in name else b)


def _long_shared_string() -> bytes:
    return rewrite_xlsx(roster_xlsx(simple_rows(1)), lambda name, b: b.replace(
        "人0".encode(), ("a" * 400_000).encode()) if name == "xl/sharedStrings.xml" else b)


def _million_cells_in_a_row() -> bytes:
    return csv_text(simple_rows(1)).encode() + b"a," * 1_000_000 + b"\r\n"


def _sentence(data: bytes, name: str) -> str:
    """What the reader says of this file (read here the way the page reads it)."""
    try:
        read_roster_isolated(data, name)
    except RosterReadError as exc:
        return exc.message
    raise AssertionError(f"{name} was read")


# the other hostile files of tests/test_reader_hostile.py: refused from what they declare
for _name, _make in (("zip_bomb.xlsx", _zip_bomb), ("long_string.xlsx", _long_shared_string),
                     ("wide_row.csv", _million_cells_in_a_row)):
    CASES[_name] = (_make, None)


def test_hostile_uploads_get_one_sentence_and_the_server_keeps_answering(app_url, desktop, officer, tmp_path):
    page = desktop
    log_in(page, app_url, officer)
    open_page(page, app_url, ui("nav.roster"), "roster")
    page.get_by_text(ui("roster.upload_title")).wait_for()
    settle(page)
    for name, (make, sentences) in CASES.items():
        path = tmp_path / name
        path.write_bytes(make())
        shown = upload(page, path)
        sentences = sentences or [_sentence(path.read_bytes(), name)]
        assert any(s in shown for s in sentences), (name, shown)
        assert "Traceback" not in page.content()
        assert healthy(app_url), name
    # the server still serves the app itself, not only its health check
    page.reload()
    page.locator('[data-testid="stApp"]').wait_for()
    assert healthy(app_url)
