"""A sign-in survives reloads, new tabs and typed addresses (core/web_auth.py, core/db/sessions.py),
ends at logout and at idle expiry, and its cookie is HttpOnly; the unsaved roster comes back after
a reload; the account pages at 390 and 1280 px."""
from __future__ import annotations

import subprocess
import sys

import pytest

from core.i18n import t
from conftest import DESKTOP, PHONE, ROOT, RUNS, RunWatch, serve, wait_for_run  # tests/e2e/conftest.py
from test_app_e2e import snap, ui

pytestmark = pytest.mark.e2e
OFFICER = ("e2e_session_officer", "Session-e2e-2018!")
IDLE_SECONDS = 8


@pytest.fixture(scope="module")
def server(tmp_path_factory, chromium_path):
    """The app with an officer account (the usual idle expiry)."""
    with serve(tmp_path_factory.mktemp("session-app"), OFFICER) as (url, log):
        yield url, log


@pytest.fixture
def short_server(tmp_path, chromium_path):
    """The app with a short idle expiry (SHAOXING_SESSION_SECONDS) and an officer account."""
    with serve(tmp_path, OFFICER, {"SHAOXING_SESSION_SECONDS": str(IDLE_SECONDS)}) as (url, log):
        yield url, log


def _watched(context):
    page = context.new_page()
    page.set_default_timeout(30_000)
    RUNS[id(page)] = watch = RunWatch()
    page.on("websocket", watch.watch)
    return page


def _settle(page):
    page.wait_for_load_state("load")
    page.locator('[data-testid="stApp"]').wait_for()
    wait_for_run(page)


def _sign_in(page, url, name=OFFICER[0], password=OFFICER[1], path="/login"):
    """Sign in on the login page; with another ``path``, open that page first (a bookmark) and
    follow its link to the login page, which leads back there."""
    page.goto(url + path)
    _settle(page)
    if path != "/login":
        page.locator('a[href$="/login"]').filter(visible=True).last.click()
        _settle(page)
    page.get_by_label(t("db.login.username")).fill(name)
    page.get_by_label(t("db.login.password")).fill(password)
    page.get_by_role("button", name=t("db.login.submit")).click()
    page.get_by_role("button", name=ui("app.logout")).wait_for()
    _settle(page)


def _signed_in(page) -> bool:
    """Signed in (the sidebar's logout button), or not (the page asks to sign in, or the login
    form is shown): waits until the page says one or the other."""
    logout = page.get_by_role("button", name=ui("app.logout"))
    signed_out = page.locator('[data-testid="stAlert"]').filter(has_text=t("ui.common.login_required")) \
        .or_(page.get_by_role("button", name=t("db.login.submit")))
    logout.or_(signed_out).first.wait_for()
    return logout.count() > 0


def test_a_sign_in_survives_reload_and_new_tab_and_ends_at_logout(server, browser, screenshots):
    url, _ = server
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = _watched(context)
    _sign_in(page, url, path="/roster")
    assert page.url.endswith("/roster")          # back on the page asked for, through /_auth/session
    page.get_by_role("heading", name=ui("roster.title")).wait_for()

    cookie = next(c for c in context.cookies() if c["name"] == "sx_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert page.evaluate("document.cookie").find("sx_session") < 0      # not readable by scripts

    page.reload()
    _settle(page)
    assert _signed_in(page)
    page.get_by_role("heading", name=ui("roster.title")).wait_for()
    second = _watched(context)                 # a new tab, an address typed
    second.goto(url + "/dashboard")
    _settle(second)
    assert _signed_in(second)
    second.get_by_role("heading", name=ui("dashboard.title")).wait_for()

    page.get_by_role("button", name=ui("app.logout")).click()
    page.wait_for_url("**/login")
    _settle(page)
    assert not _signed_in(page)
    assert not any(c["name"] == "sx_session" for c in context.cookies())     # the cookie cleared
    second.reload()                                                     # the other tab: ended too
    _settle(second)
    assert not _signed_in(second)
    assert [w for w in second.locator('[data-testid="stAlert"]').all_inner_texts()
            if t("ui.common.login_required") in w]
    context.close()


def test_an_idle_sign_in_expires(short_server, browser):
    url, _ = short_server
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = _watched(context)
    _sign_in(page, url)
    page.wait_for_timeout((IDLE_SECONDS + 2) * 1000)
    page.goto(url + "/roster")
    _settle(page)
    assert not _signed_in(page)
    assert any(t("ui.common.login_required") in w for w in page.locator('[data-testid="stAlert"]').all_inner_texts())
    page.goto(url + "/login")
    _settle(page)
    page.get_by_text(t("db.login.expired")).wait_for()
    # said once: the browser keeps the stale cookie until it closes, the message does not come back
    assert any(c["name"] == "sx_session" for c in context.cookies())
    for path in ("/login", "/roster", "/login"):
        page.goto(url + path)
        _settle(page)
        assert not _signed_in(page)
        assert not [w for w in page.locator('[data-testid="stAlert"]').all_inner_texts() if t("db.login.expired") in w]
    page.get_by_label(t("db.login.username")).wait_for()          # the login form, without the old news
    context.close()


def test_an_unsaved_roster_survives_a_reload(server, browser, tmp_path):
    from tests.db_conftest_helpers import person, roster_csv

    url, _ = server
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = _watched(context)
    _sign_in(page, url, path="/roster")
    path = tmp_path / "未保存名单.csv"
    path.write_bytes(roster_csv([person(1), person(2)]))
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    page.get_by_role("button", name=ui("roster.store")).wait_for()
    _settle(page)
    page.reload()
    _settle(page)
    page.get_by_text(t("account.restored", name="未保存名单.csv")[:6]).first.wait_for()
    store = page.get_by_role("button", name=ui("roster.store"))
    store.first.wait_for()          # the notice comes first, the result below it in the same run
    _settle(page)
    assert store.count() == 1       # the result is back, not saved
    context.close()


def _cli(log, *args, stdin: str = ""):
    """``python -m core …`` on the test server's own database (beside its console log)."""
    import os

    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(SHAOXING_DB_PATH=str(log.parent / "shaoxing.db"), SHAOXING_ID_KEY_FILE=str(log.parent / "id.key"))
    done = subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_account_pages_reset_then_own_password(server, browser, screenshots, viewport):
    """An administrator resets an officer's password on the users page; the officer signs in with
    the one-time password, sees only the password page, changes it and goes on."""
    import re

    url, log = server
    w = viewport["width"]
    admin, officer = (f"e2e_admin_{w}", "Admin-session-2018!"), f"e2e_reset_{w}"
    _cli(log, "users", "add", admin[0], "--role", "admin", stdin=admin[1] + "\n")
    _cli(log, "users", "add", officer, "--role", "district_officer", "--district", "柯桥区", stdin="Officer-first-1\n")

    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = _watched(context)
    _sign_in(page, url, *admin)
    page.goto(url + "/admin_users")         # an address typed: still signed in
    _settle(page)
    page.get_by_role("heading", name=t("account.reset_title")).wait_for()
    snap(page, screenshots / f"session-admin-users-form-{w}.png")
    field = page.locator(".st-key-reset_who input")      # the selectbox keyed reset_who
    field.click()
    field.fill(officer)        # the combobox lists the names that match what is typed
    page.get_by_role("option", name=officer, exact=True).click()
    page.locator('[data-testid="stForm"]').filter(has=page.locator(".st-key-reset_who")) \
        .get_by_role("button", name=t("account.reset_submit")).click()
    done = page.locator('[data-testid="stAlert"]').filter(has_text=officer)
    done.wait_for()
    temporary = re.search(r"[A-Za-z2-9]{12}", done.inner_text().split("：", 1)[1]).group(0)
    snap(page, screenshots / f"session-admin-users-{w}.png")
    context.close()

    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = _watched(context)
    _sign_in(page, url, officer, temporary)
    page.goto(url + "/roster")
    _settle(page)
    page.get_by_role("heading", name=t("account.title")).wait_for()     # the password page first
    page.wait_for_url("**/account")
    _settle(page)
    assert page.get_by_text(t("account.must_change")).count() == 1
    assert page.get_by_role("heading", name=ui("roster.title")).count() == 0
    snap(page, screenshots / f"session-must-change-{w}.png")
    page.get_by_label(t("account.old_password")).fill(temporary)
    page.get_by_label(t("account.new_password"), exact=True).fill("Officer-own-2018")
    page.get_by_label(t("account.new_password_again")).fill("Officer-own-2018")
    page.get_by_role("button", name=t("account.submit")).click()
    page.get_by_text(t("account.changed")).wait_for()
    _settle(page)
    assert page.get_by_label(t("account.old_password")).input_value() == ""     # nothing typed stays
    snap(page, screenshots / f"session-account-{w}.png")
    page.goto(url + "/roster")                      # on to the officer's own pages, still signed in
    _settle(page)
    page.get_by_role("heading", name=ui("roster.title")).wait_for()
    context.close()
