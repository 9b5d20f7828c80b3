"""The reconciliation and the statistics pages in a real headless Chromium, at desktop and phone
width: upload a province's list and see its groups, download the workbook; make the monthly
table and the bulletin. Screenshots in test-output/screenshots/."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from core.i18n import t
from tests.db_conftest_helpers import make_id
from test_app_e2e import log_in, open_page, settle, snap  # tests/e2e/test_app_e2e.py

pytestmark = pytest.mark.e2e


def r(key: str, **fmt) -> str:
    return t(f"reports.{key}", **fmt)


def metrics(page) -> dict:
    return {m.locator('[data-testid="stMetricLabel"]').inner_text().strip():
            m.locator('[data-testid="stMetricValue"]').inner_text().strip()
            for m in page.locator('[data-testid="stMetric"]').all()}


def province_list(path) -> None:
    """Two people no roster holds (a region code the demo data does not use), one bad number and
    one number twice: 2 only in the list, 3 that cannot be matched."""
    new = [make_id("522301", "19850505", n) for n in (901, 902, 903)]
    pd.DataFrame({"姓名": ["甲", "乙", "丙", "丁", "丁"], "身份证号": [new[0], new[1], "52230119850505", new[2], new[2]],
                  "户籍省份": ["贵州省"] * 5, "备注": ["", "", "", "", ""]}).to_csv(path, index=False, encoding="gbk")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_reconcile_page(request, app_url, screenshots, tmp_path, officer, width):
    page = request.getfixturevalue(width)
    log_in(page, app_url, officer)
    open_page(page, app_url, t("ui.nav.reconcile"), "reconcile")
    page.get_by_text(r("page.reconcile_title")).first.wait_for()
    path = tmp_path / "省名单.csv"
    province_list(path)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_text(r("page.download_xlsx")).wait_for(timeout=60_000)
    settle(page)
    got = metrics(page)
    assert got[r("reconcile.summary.only_province")] == "2"
    assert got[r("reconcile.summary.unmatched")] == "3"
    page.get_by_role("tab").filter(has_text=r("reconcile.sheet.unmatched")).click()
    settle(page)
    snap(page, screenshots / f"reconcile_{width}.png")
    if width == "phone":
        return
    with page.expect_download() as info:
        page.get_by_role("button", name=r("page.download_xlsx")).click()
    saved = tmp_path / "result.xlsx"
    info.value.save_as(saved)
    book = openpyxl.load_workbook(saved)
    assert book[r("reconcile.sheet.unmatched")].max_row == 4
    assert book[r("reconcile.sheet.only_province")].max_row == 3


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_reports_page(request, app_url, screenshots, tmp_path, officer, width):
    page = request.getfixturevalue(width)
    log_in(page, app_url, officer)
    open_page(page, app_url, t("ui.nav.reports"), "reports")
    page.get_by_text(r("page.reports_title")).first.wait_for()
    page.get_by_role("button", name=r("page.make_report")).click()
    today = dt.date.today()
    from core.reference import policy

    year = min(today.year, policy().end.year)
    page.get_by_text(r("page.report_for", unit=r("report.city"), year=year, month=today.month)).wait_for(timeout=60_000)
    settle(page)
    page.locator('[data-testid="stDataFrame"]').nth(4).wait_for()
    assert page.locator('[data-testid="stDataFrame"]').count() == 5
    page.get_by_role("button", name=r("page.make_bulletin")).click()
    page.get_by_role("button", name=r("page.download_bulletin")).wait_for(timeout=60_000)
    settle(page)
    snap(page, screenshots / f"reports_{width}.png")
    if width == "phone":
        return
    with page.expect_download() as info:
        page.get_by_role("button", name=r("page.download_bulletin")).click()
    import docx

    saved = tmp_path / "bulletin.docx"
    info.value.save_as(saved)
    assert docx.Document(str(saved)).tables[0].rows[0].cells[0].text == r("bulletin.col.rank")
