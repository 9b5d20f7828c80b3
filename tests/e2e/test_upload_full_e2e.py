"""When the uploads all sessions of a server process hold together reach their limit
(pages/_upload_cap.py, ``SHAOXING_UPLOADS_MAX_MB``), an upload is refused with 503. Streamlit's
uploader then said "AxiosError: Request failed with status code 503" under the file; the officer
reads one Chinese sentence instead (pages/_chrome.py), in the failed file's tooltip and to a screen reader."""
from __future__ import annotations

import pytest

from conftest import OFFICER, serve  # tests/e2e/conftest.py
from core.i18n import t
from tests.e2e.test_app_e2e import log_in, open_page, settle, ui

pytestmark = pytest.mark.e2e


@pytest.fixture
def full_app(tmp_path, chromium_path):
    """The app with room for 1 MB of uploads in all, and an officer to sign in with."""
    with serve(tmp_path, OFFICER, {"SHAOXING_UPLOADS_MAX_MB": "1"}) as (url, log):
        yield url, log


def test_an_upload_refused_as_the_server_is_full_says_so_in_chinese(full_app, desktop, tmp_path, screenshots):
    url, log = full_app
    page = desktop
    log_in(page, url, OFFICER)
    open_page(page, url, ui("nav.roster"), "roster")
    page.get_by_text(ui("roster.upload_title")).wait_for()
    settle(page)
    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b\n" + b"x,y\n" * 400_000)           # 1.6 MB: more than the 1 MB all may hold
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(big))
    busy = t("chrome.upload_busy")
    alert = page.locator('[data-testid="stFileUploader"] [role="alert"]')
    alert.wait_for(state="attached", timeout=30_000)
    page.wait_for_function("s => [...document.querySelectorAll('[data-testid=stFileUploader] [role=alert]')]"
                           ".some(e => e.textContent.includes(s))", arg=busy, timeout=10_000)
    page.locator('[data-testid="stFileChip"]').first.hover()      # the tooltip says it too
    page.wait_for_timeout(800)
    page.screenshot(path=str(screenshots / "upload_full_zh.png"))
    text = page.locator("body").inner_text()
    uploader = page.locator('[data-testid="stFileUploader"]').inner_html()     # its labels too
    assert busy in text
    for english in ("Axios", "Request failed", "status code"):
        assert english not in text and english not in uploader, english
    assert "uploads held by all sessions reached 1 MB" in log.read_text()     # the server's side, logged
