"""The account pages (Streamlit AppTest): every role changes its own password; an administrator
resets a password to a one-time one and re-enables an account; after a reset the user sees the
password page first, whatever page they open."""
from __future__ import annotations

import re

import pytest

from core.db import accounts, audit, sessions
from core.i18n import t
from core.paths import ROOT
from tests.db_conftest_helpers import sqlite_db, user  # noqa: F401  (fixtures)

st_testing = pytest.importorskip("streamlit.testing.v1")


def page(name: str, who=None):
    at = st_testing.AppTest.from_file(str(ROOT / "pages" / name), default_timeout=60)
    if who is not None:
        accounts.session_login(at.session_state, who)
    return at


def _fill(at, old, new1, new2):
    at.text_input(key="pw_old").input(old)
    at.text_input(key="pw_new1").input(new1)
    at.text_input(key="pw_new2").input(new2)
    at.button[0].click().run()


@pytest.mark.parametrize("role", ["district_officer", "leader", "city_officer", "admin"])
def test_every_role_changes_its_own_password(sqlite_db, role):
    who = user(role, name=f"own_{role}", district="越城区" if role == "district_officer" else None)
    elsewhere = page("account.py", who)           # the same account signed in in another browser
    elsewhere.run()
    at = page("account.py", who).run()
    assert not at.exception and at.title[0].value == t("account.title")
    _fill(at, "wrong-password", "new-password-1", "new-password-1")
    assert [e.value for e in at.error] == [t("account.wrong_old_password")]
    _fill(at, "password-123", "new-password-1", "new-password-2")
    assert [e.value for e in at.error] == [t("db.account.passwords_differ")]
    _fill(at, "password-123", "new-password-1", "new-password-1")
    assert not at.exception and [s.value for s in at.success] == [t("account.changed")]
    # (the form clears what was typed in the browser, clear_on_submit: tests/e2e/test_session_e2e.py)
    assert accounts.authenticate(who.name, "new-password-1") == who
    assert accounts.session_user(at.session_state) == who            # this session goes on …
    assert accounts.session_user(elsewhere.session_state) is None    # … the other one has ended
    assert list(audit.entries(action="password_change")["ok"]) == [True, False]


def test_a_visitor_is_asked_to_sign_in(sqlite_db):
    at = st_testing.AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    at.switch_page("pages/account.py").run()
    assert not at.exception and [w.value for w in at.warning] == [t("ui.common.login_required")]


def test_the_administrator_resets_and_reenables(sqlite_db):
    admin = user("admin", name="root")
    officer = user("district_officer", name="zhao", district="上虞区")
    theirs = page("account.py", officer)
    at = page("admin_users.py", admin).run()
    assert not at.exception
    assert [c.value for c in at.caption if c.value == t("account.nobody_disabled")]
    at.selectbox(key="reset_who").select("zhao")
    at.button(key="FormSubmitter:db_reset_password-" + t("account.reset_submit")).click().run()
    (done,) = [s.value for s in at.success if "zhao" in s.value]
    temporary = re.search(r"`([A-Za-z0-9]{12})`", done).group(1)
    assert accounts.authenticate("zhao", temporary) == officer
    assert accounts.session_user(theirs.session_state) is None       # the officer's session ended
    assert audit.entries(action="password_reset").iloc[0]["actor"] == "root"

    accounts.disable_user("zhao", actor="root")
    at = page("admin_users.py", admin).run()
    at.selectbox(key="enable_who").select("zhao")
    at.button(key="FormSubmitter:db_enable_user-" + t("account.enable_submit")).click().run()
    assert not at.exception and [s.value for s in at.success] == [t("account.enabled", name="zhao")]
    assert accounts.get_user("zhao") == officer
    assert audit.entries(action="user_enable").iloc[0]["target"] == "zhao"


def test_after_a_reset_the_password_page_asks_for_a_new_one(sqlite_db):
    """(That every address leads there in the browser is tested end to end:
    tests/e2e/test_session_e2e.py; AppTest runs a page file without streamlit_app.py's navigation.)"""
    officer = user("district_officer", name="qian", district="柯桥区")
    temporary = accounts.reset_password("qian", actor="root")
    at = st_testing.AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    at.switch_page("pages/login.py").run()
    at.text_input[0].input("qian")
    at.text_input[1].input(temporary)
    at.button[0].click().run()
    assert not at.exception and at.session_state[accounts.MUST_CHANGE] is True
    at = page("account.py", officer).run()
    assert [w.value for w in at.warning] == [t("account.must_change")]
    _fill(at, temporary, "qian-own-password", "qian-own-password")
    assert not at.exception and [s.value for s in at.success] == [t("account.changed")]
    assert not at.warning and not sessions.check(session_id=at.session_state["user_session"]).must_change_password
