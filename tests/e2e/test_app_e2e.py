"""The app in a real headless Chromium: fill the self-check, upload a roster and download the
result, open the dashboard; screenshots at desktop and phone width in test-output/screenshots/."""
from __future__ import annotations

import csv
import datetime as dt
import re
import io

import openpyxl
import pytest

from core.engine import evaluate_file
from core.i18n import t
from core.output import summary_rows
from core.synthetic import synthetic_roster
from conftest import wait_for_run  # tests/e2e/conftest.py

pytestmark = pytest.mark.e2e


def ui(key: str, **fmt) -> str:
    return t(f"ui.{key}", **fmt)


def settle(page, timeout: float = 30_000) -> None:
    """Wait until the script runs triggered by the last interaction are over, as the server's
    messages say (conftest.wait_for_run: under load the page may never show "running")."""
    page.wait_for_timeout(250)      # the page sends its request
    wait_for_run(page, timeout)
    page.wait_for_timeout(150)


def widget(page, testid: str, label: str):
    return page.locator(f'[data-testid="{testid}"]').filter(has_text=label).first


def choose_radio(page, label: str, option: str) -> None:
    widget(page, "stRadio", label).get_by_text(option, exact=True).click()
    settle(page)


def choose_select(page, label: str, option: str) -> None:
    field = widget(page, "stSelectbox", label).locator("input")
    field.click()
    field.fill(option)     # the combobox lists the options that match what is typed
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def choose_day(page, name: str, day: dt.date) -> None:
    """A date asked as 年 / 月 / 日 choices (pages/_date_choice.py): pick each in turn."""
    for part, value in zip(("year", "month", "day"), (day.year, day.month, day.day)):
        field = page.locator(f".st-key-{name}_box [data-testid='stSelectbox']").nth(
            ("year", "month", "day").index(part)).locator("input")
        option = t(f"date_choice.{part}_value", value=value)
        field.click()
        field.fill(option)
        page.get_by_role("option", name=option, exact=True).click()
        settle(page)


def type_into(page, testid: str, label: str, value: str) -> None:
    field = widget(page, testid, label).locator("input")
    field.fill(value)
    field.press("Enter")
    settle(page)


def snap(page, path) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its main block, so the window is
    made as tall as that block's content for the picture, then put back."""
    size = page.viewport_size
    height = page.evaluate("""() => Math.max(...['stMain', 'stSidebar', 'stAppViewContainer']
        .map(id => document.querySelector(`[data-testid="${id}"]`))
        .filter(Boolean).map(e => e.scrollHeight))""")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 16000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    page.wait_for_timeout(300)


def log_in(page, app_url, officer) -> None:
    """Sign in as the officer made for this server (when the app has accounts)."""
    if officer is None:
        return
    page.goto(f"{app_url}/login")
    page.get_by_label(t("db.login.username")).fill(officer[0])
    page.get_by_label(t("db.login.password")).fill(officer[1])
    page.get_by_role("button", name=t("db.login.submit")).click()
    page.get_by_role("button", name=ui("app.logout")).wait_for()
    settle(page)


def open_page(page, app_url, title: str, url_path: str) -> None:
    """Go to a page inside the same session (a new page load would be a new session, logged out)."""
    expand = page.locator('[data-testid="stExpandSidebarButton"]')
    if expand.is_visible():      # on a phone the menu lives in the collapsed sidebar
        expand.click()
        page.wait_for_timeout(500)
    link = page.locator(f'a[href$="/{url_path}"]').filter(has_text=title).first
    for section in ("nav.section_year_round", "nav.section_admin"):
        if link.is_visible():
            break
        # a page of a group (日常工作, 系统管理): under its menu in the top bar
        menu = page.locator('[data-testid="stTopNavSection"]').filter(has_text=ui(section))
        if menu.count():
            menu.first.click()
            page.wait_for_timeout(300)
            if not link.is_visible():
                page.keyboard.press("Escape")
                page.wait_for_timeout(200)
    link.click()
    settle(page)
    collapse = page.locator('[data-testid="stSidebarCollapseButton"] button, [data-testid="stSidebarCollapseButton"]')
    if page.viewport_size["width"] < 640 and collapse.first.is_visible():
        collapse.first.click()      # put the menu away again to see the page
        page.wait_for_timeout(500)


def fill_self_check(page) -> None:
    choose_radio(page, ui("self_check.q_poor"), ui("common.yes"))
    choose_select(page, ui("self_check.q_province"), "四川省")
    type_into(page, "stTextInput", ui("self_check.q_county"), "金川县")
    choose_day(page, "sc_first_date", dt.date(2018, 3, 1))
    choose_select(page, ui("self_check.q_district"), "柯桥区")
    type_into(page, "stTextInput", ui("self_check.q_si_months"), "12")
    type_into(page, "stTextInput", ui("self_check.q_continuous"), "13")
    choose_select(page, ui("self_check.q_cert"), "中级工（四级）")
    choose_day(page, "sc_cert_date", dt.date(2018, 6, 1))
    type_into(page, "stTextInput", ui("self_check.q_rent"), "10")
    page.get_by_role("button", name=ui("self_check.submit")).click()
    settle(page)


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_self_check_shows_cards_and_amounts(request, app_url, screenshots, width):
    page = request.getfixturevalue(width)
    page.goto(app_url)
    page.get_by_text(ui("self_check.intro")[:12]).first.wait_for()
    settle(page)
    fill_self_check(page)
    page.get_by_text(ui("self_check.result_title"), exact=True).wait_for()
    card = page.locator(".st-key-card_stabilization")
    assert ui("self_check.badge.eligible") in card.inner_text()
    assert ui("money", amount="3,000") in card.inner_text()
    assert ui("money", amount="1,500") in page.locator(".st-key-card_skill_training").inner_text()
    assert ui("money", amount="5,000") in page.locator(".st-key-card_rent").inner_text()   # 10 months x 500
    # the claim window of the notice has closed (today is after 2021-12-31): said plainly
    assert "2021年12月31日" in page.locator('[data-testid="stAlert"]').first.inner_text()
    assert ui("self_check.cannot_check_title") in page.content()
    snap(page, screenshots / f"self_check_{width}.png")
    if width == "phone":   # nothing wider than the phone's screen
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1


def _roster_bytes() -> bytes:
    frame = synthetic_roster(60, seed=7, error_rate=0.1)
    return frame.to_csv(index=False).encode("gbk")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_roster_upload_and_download(request, app_url, screenshots, tmp_path, officer, width):
    page = request.getfixturevalue(width)
    data = _roster_bytes()
    expected = evaluate_file(data, "名单.csv").summary
    log_in(page, app_url, officer)
    open_page(page, app_url, ui("nav.roster"), "roster")
    page.get_by_text(ui("roster.upload_title")).wait_for()
    settle(page)
    path = tmp_path / "名单.csv"
    path.write_bytes(data)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_text(ui("roster.summary_title")).wait_for(timeout=60_000)
    settle(page)
    metrics = {m.locator('[data-testid="stMetricLabel"]').inner_text().strip():
               m.locator('[data-testid="stMetricValue"]').inner_text().strip()
               for m in page.locator('[data-testid="stMetric"]').all()}
    assert ui("roster.rows") in metrics, (metrics, page.locator("[data-testid=\"stMain\"]").inner_text()[:3000])
    assert metrics[ui("roster.rows")] == f"{expected['rows']:,}"
    assert metrics[ui("roster.valid")] == f"{expected['valid']:,}"
    assert metrics[ui("roster.errors")] == f"{expected['errors']:,}"
    snap(page, screenshots / f"roster_{width}.png")
    if width == "phone":
        return

    with page.expect_download() as info:
        page.get_by_role("button", name=ui("roster.download_xlsx")).click()
    xlsx = tmp_path / "result.xlsx"
    info.value.save_as(xlsx)
    book = openpyxl.load_workbook(xlsx, read_only=True)
    rows_sheet, totals_sheet = book.worksheets[0], book.worksheets[1]
    assert rows_sheet.max_row == expected["rows"] + 1
    # days are date cells (core.output): compared as the summary writes them, YYYY-MM-DD
    totals = {r[0]: r[1].date().isoformat() if isinstance(r[1], dt.datetime) else r[1]
              for r in totals_sheet.iter_rows(min_row=2, values_only=True)}
    assert totals[t("output.total_to_worker")] == expected["total_to_worker"]
    assert {label: value for label, value in summary_rows(type("R", (), {"summary": expected})())} \
        .items() <= totals.items() | {(t("output.summary.as_of"), expected["as_of"])}

    with page.expect_download() as info:
        page.get_by_role("button", name=ui("roster.download_csv")).click()
    raw = info.value.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    records = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(records) == expected["rows"] + 1
    assert records[0][0] == t("output.row")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_dashboard_on_demo_data(request, app_url, screenshots, officer, width):
    page = request.getfixturevalue(width)
    log_in(page, app_url, officer)
    open_page(page, app_url, ui("nav.dashboard"), "dashboard")
    page.get_by_text(ui("dashboard.targets_title"), exact=True).wait_for(timeout=60_000)
    settle(page, timeout=60_000)
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.nth(4).wait_for()
    assert charts.count() == 5
    page.wait_for_timeout(1000)   # let the charts draw
    assert ui("dashboard.demo_banner")[:10] in page.content()
    snap(page, screenshots / f"dashboard_{width}.png")


def test_first_administrator_with_the_setup_code_from_the_server_console(fresh_app, desktop, screenshots):
    """No default password: on an empty database the server prints a one-time code to its console
    as the app starts, and the first administrator is made with it on the login page."""
    url, log_path = fresh_app
    page = desktop
    page.goto(url)
    settle(page)
    before, after = t("db.setup.console", code="\0").split("\0")
    pattern = re.compile(re.escape(before) + r"(\S+)" + re.escape(after))
    for _ in range(50):
        found = pattern.search(log_path.read_text(encoding="utf-8"))
        if found:
            break
        page.wait_for_timeout(200)
    assert found, log_path.read_text(encoding="utf-8")[-2000:]
    code = found.group(1)

    page.goto(f"{url}/login")
    settle(page)
    form = page.locator('[data-testid="stForm"]')
    form.get_by_label(t("db.login.setup_code")).fill("0000-0000-0000-0000")
    form.get_by_label(t("db.login.username")).fill("e2e_admin")
    form.get_by_label(t("db.login.password"), exact=True).fill("Admin-e2e-2018!")
    form.get_by_label(t("db.login.password_again")).fill("Admin-e2e-2018!")
    page.get_by_role("button", name=t("db.login.setup_submit")).click()
    settle(page)
    page.get_by_text(t("db.setup.wrong_code")).wait_for()          # a guessed code is refused

    form.get_by_label(t("db.login.setup_code")).fill(code)
    page.get_by_role("button", name=t("db.login.setup_submit")).click()
    settle(page)
    page.get_by_text(t("db.login.setup_done")).wait_for()
    snap(page, screenshots / "first_admin_desktop.png")

    page.goto(f"{url}/login")                                      # the code is spent: the sign-in form
    settle(page)
    page.get_by_label(t("db.login.username")).fill("e2e_admin")
    page.get_by_label(t("db.login.password")).fill("Admin-e2e-2018!")
    page.get_by_role("button", name=t("db.login.submit")).click()
    page.get_by_role("button", name=ui("app.logout")).wait_for()
    settle(page)
    page.locator('[data-testid="stTopNavSection"]').filter(has_text=ui("nav.section_admin")).first.click()
    page.locator('a[href$="/admin_users"]').first.wait_for()        # the administrator's menu


def test_officer_records_a_recruitment_fair(app_url, desktop, screenshots, officer):
    """A city officer enters a fair through the events page; the district drops out of the list of
    districts that have held none this year."""
    page = desktop
    log_in(page, app_url, officer)
    open_page(page, app_url, ui("nav.events"), "events")
    warning = page.locator('[data-testid="stAlert"]').filter(has_text=t("db.events_page.no_fair_yet", districts="")[:8])
    warning.first.wait_for()
    assert "越城区" in warning.first.inner_text()

    form = page.locator('[data-testid="stForm"]').first
    # nothing is chosen for the officer (tests/e2e/test_officer_e2e.py): district, day and one of
    # the four provinces are chosen, the place is typed
    for label, option in ((t("db.events_page.district"), "越城区"), (t("db.events_page.province"), "四川")):
        field = form.locator('[data-testid="stSelectbox"]').filter(has_text=label).first.locator("input")
        field.click()
        field.fill(option)
        page.get_by_role("option", name=option, exact=True).click()
    day = form.locator('[data-testid="stDateInput"] input').first
    day.fill("2020-06-01")
    day.press("Enter")
    form.get_by_role("textbox", name=t("db.events_page.venue")).fill("乐山市马边彝族自治县")
    form.get_by_label(t("db.events_page.enterprises")).fill("示例甲公司\n示例乙公司")
    form.get_by_role("button", name=t("db.events_page.save")).click()
    settle(page)
    page.get_by_text(t("db.events.saved")).first.wait_for()
    page.locator('[data-testid="stDataFrame"]').first.wait_for()   # the stored fair, with its subsidy
    assert "越城区" not in warning.first.inner_text()               # the list is fresh after saving
    snap(page, screenshots / "events_desktop.png")


def test_a_deep_link_opened_first_after_a_server_start_gets_the_apps_navigation(fresh_app, desktop):
    """Streamlit treats an app with a pages/ folder as an old-style multipage app until
    streamlit_app.py has run once; a bookmarked /roster opened first must still go through the
    app's own navigation (not a menu of every file in pages/)."""
    url, _ = fresh_app
    page = desktop
    page.goto(f"{url}/login")
    settle(page)
    page.get_by_text(t("db.login.setup_title")).wait_for()
    nav = page.locator('a[href]').filter(has_text=ui("nav.self_check"))
    nav.first.wait_for()
    assert page.locator('a[href$="/common"]').count() == 0
    assert page.locator('a[href$="/admin_users"]').count() == 0     # nobody is signed in


def test_a_bookmarked_roster_asks_to_sign_in_and_comes_back(app_url, desktop, officer):
    """An officer opens a bookmarked /roster in a new browser: the roster page says to sign in
    (not the self-check in its place, nothing of the roster, no roster in the menu), links to the
    login page, and after signing in the officer is back on the roster."""
    assert officer is not None        # the app has accounts (pages/login.py, core/db)
    page = desktop
    page.goto(f"{app_url}/roster")
    settle(page)
    page.get_by_text(ui("common.login_required")).wait_for()
    assert page.get_by_role("heading", name=ui("self_check.title")).count() == 0
    assert page.locator('[data-testid="stFileUploader"]').count() == 0
    assert page.locator('a[href$="/roster"]').count() == 0           # hidden from a visitor's menu
    page.locator('[data-testid="stMain"] [data-testid="stPageLink"] a').click()
    settle(page)
    page.get_by_label(t("db.login.username")).fill(officer[0])
    page.get_by_label(t("db.login.password")).fill(officer[1])
    page.get_by_role("button", name=t("db.login.submit")).click()
    page.get_by_role("heading", name=ui("roster.title")).wait_for()
    settle(page)
    assert page.url.endswith("/roster")
    assert page.locator('[data-testid="stFileUploader"]').count() == 1
