"""Hostile uploads through the roster page of the real app: a workbook that makes the xlsx library
try to allocate 549 GB (the sheet A1 + XFD1048576, once with its true used range and once claiming
A1 only) and an .xls on which the Rust reader panics. Each gives the page one sentence, and the
server still answers afterwards (it used to die, or the page spun for ever)."""
from __future__ import annotations

import urllib.request

import pytest

from core.i18n import t
from tests.e2e.test_app_e2e import log_in, open_page, settle, ui
from tests.test_reader_hostile import PANIC_XLS, corner_xlsx

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
        assert any(s in shown for s in sentences), (name, shown)
        assert "Traceback" not in page.content()
        assert healthy(app_url), name
    # the server still serves the app itself, not only its health check
    page.reload()
    page.locator('[data-testid="stApp"]').wait_for()
    assert healthy(app_url)
