"""The administrators' audit page pages through the whole log; a refused login says how long to wait."""
from __future__ import annotations

from core.db import accounts, audit, throttle
from core.i18n import t
from tests.db_conftest_helpers import sqlite_db, user  # noqa: F401  (fixtures)
from tests.test_db_pages import page


def test_the_audit_page_reaches_the_oldest_entry(sqlite_db, monkeypatch):
    admin = user("admin")                                  # entry 1: user_add
    for i in range(1204):
        audit.record(None, "logout", actor=f"u{i}")
    at = page("admin_audit.py", admin).run()
    assert not at.exception
    actors = lambda: list(at.dataframe[0].value[t("db.col.actor")])   # noqa: E731
    assert len(actors()) == 500 and actors()[0] == "u1203"
    assert at.number_input(key="audit_page").max == 3
    at.number_input(key="audit_page").set_value(3).run()
    assert not at.exception
    shown = actors()
    assert len(shown) == 1205 - 1000 and shown[-1] == ""   # the very first entry (user_add, no actor)
    assert t("db.admin.audit_page_of", total="1,205", page=3, pages=3, size=500) in [c.value for c in at.caption]


def test_a_refused_login_says_how_long_to_wait(sqlite_db, monkeypatch):
    accounts.add_user("ivy", "password-123", "leader")
    monkeypatch.setattr(throttle, "GLOBAL_MAX_FAILURES", 1)
    accounts.authenticate("nobody", "x")
    at = page("login.py").run()
    at.text_input[0].input("ivy")
    at.text_input[1].input("password-123")
    at.button[0].click().run()
    assert not at.exception and "user" not in at.session_state
    assert len(at.error) == 1 and "秒" in at.error[0].value
