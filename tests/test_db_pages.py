"""The login and administration pages run (Streamlit AppTest) and keep others out."""
from __future__ import annotations

import pytest

from core.db import accounts, audit
from core.paths import ROOT
from tests.db_conftest_helpers import sqlite_db, user  # noqa: F401  (fixtures)

st_testing = pytest.importorskip("streamlit.testing.v1")


def page(name: str, who=None):
    at = st_testing.AppTest.from_file(str(ROOT / "pages" / name), default_timeout=60)
    if who is not None:
        accounts.session_login(at.session_state, who)
    return at


def test_setup_then_login_and_failure(sqlite_db, capsys):
    at = page("login.py").run()
    assert not at.exception
    code = accounts.issue_setup_code(echo=None)
    assert code in capsys.readouterr().out
    at.text_input[0].input(code)
    at.text_input[1].input("root")
    at.text_input[2].input("password-123")
    at.text_input[3].input("password-123")
    at.button[0].click().run()
    assert not at.exception and accounts.list_users()[0].role == "admin"
    at = page("login.py").run()
    at.text_input[0].input("root")
    at.text_input[1].input("wrong-password")
    at.button[0].click().run()
    assert at.error and "user" not in at.session_state
    at.text_input[1].input("password-123")
    at.button[0].click().run()
    assert at.session_state["user"].name == "root"
    assert list(audit.entries()["action"][:2]) == ["login", "login_failed"]


@pytest.mark.parametrize("name", ["admin_users.py", "admin_audit.py", "admin_targets.py", "events.py"])
def test_admin_pages_render_for_admin_and_refuse_others(sqlite_db, name):
    admin = user("admin")
    at = page(name, admin).run()
    assert not at.exception, at.exception
    ke = user("district_officer", "ke", "柯桥区")
    at = page(name, ke).run()
    assert not at.exception and at.error              # forbidden
