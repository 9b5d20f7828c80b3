"""Accounts: argon2 hashes, roles, first-administrator setup, throttled logins, audit, expiry."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import accounts, audit
from core.db.accounts import AccountError, SetupError
from tests.db_conftest_helpers import db, pg_db, pg_server, sqlite_db  # noqa: F401  (fixtures)


class FakeTime:
    def __init__(self, start: float = 1_700_000_000.0):
        self.now = start
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_password_is_stored_as_argon2_hash_and_checked(db):
    accounts.add_user("alice", "correct horse", "city_officer")
    from core.db.models import users
    from core.db.session import reading

    with reading() as conn:
        stored = conn.execute(select(users.c.password_hash).where(users.c.name == "alice")).scalar_one()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    ft = FakeTime()
    assert accounts.authenticate("alice", "correct horse", clock=ft.clock) == \
        accounts.User("alice", "city_officer", None)
    assert accounts.authenticate("alice", "wrong", clock=ft.clock) is None
    log = audit.entries()
    assert list(log["action"][:2]) == ["login_failed", "login"]
    assert not log["ok"].iloc[0] and log["ok"].iloc[1]


def test_roles_and_districts_are_checked(sqlite_db):
    with pytest.raises(AccountError):
        accounts.add_user("d", "password-123", "district_officer")            # district missing
    with pytest.raises(AccountError):
        accounts.add_user("c", "password-123", "city_officer", "柯桥区")       # district only for district role
    with pytest.raises(AccountError):
        accounts.add_user("x", "password-123", "superuser")
    with pytest.raises(AccountError):
        accounts.add_user("short", "1234567", "leader")
    u = accounts.add_user("d", "password-123", "district_officer", "绍兴市诸暨")
    assert u.district == "诸暨市"
    with pytest.raises(AccountError):
        accounts.add_user("d", "password-456", "leader")                       # name taken
    assert accounts.can(u, "upload") and not accounts.can(u, "dashboard") and not accounts.can(u, "all_districts")
    leader = accounts.add_user("boss", "password-123", "leader")
    assert accounts.can(leader, "dashboard") and not accounts.can(leader, "upload")


def test_disabled_account_cannot_log_in(sqlite_db):
    accounts.add_user("bob", "password-123", "leader")
    accounts.disable_user("bob", actor="admin")
    assert accounts.authenticate("bob", "password-123") is None
    assert [u.active for u in accounts.list_users()] == [False]
    assert audit.entries(action="login_failed")["detail"].str.contains("disabled").all()
    with pytest.raises(AccountError):
        accounts.disable_user("bob")


def _refused(name: str, password: str, ft) -> float | None:
    """The seconds a refused attempt says to wait, or None when the password was checked."""
    try:
        accounts.authenticate(name, password, clock=ft.clock)
    except accounts.LoginRefused as exc:
        return float(exc.fmt["seconds"])
    return None


def test_repeated_failures_are_refused_for_exponentially_longer_and_audited(sqlite_db):
    accounts.add_user("carol", "password-123", "leader")
    ft = FakeTime()
    for _ in range(accounts.FREE_FAILURES):
        assert accounts.authenticate("carol", "nope", clock=ft.clock) is None
    waits = []
    for _ in range(3):
        waits.append(_refused("carol", "password-123", ft))     # refused at once: not even checked
        ft.now += waits[-1]
        assert _refused("carol", "nope", ft) is None             # after the wait: checked (and wrong)
    assert waits == [accounts.throttle_delay(3), accounts.throttle_delay(4), accounts.throttle_delay(5)]
    assert waits[1] == 2 * waits[0] and waits[2] == 2 * waits[1]
    # time that already passed since the last failure counts toward the wait
    ft.now += accounts.throttle_delay(6) - 0.5
    assert _refused("carol", "nope", ft) == 1.0                  # 0.5 s left, said as whole seconds
    failed = audit.entries(action="login_failed")
    assert len(failed) == accounts.FREE_FAILURES + 3
    assert '"failures": 6' in failed["detail"].iloc[0]
    assert len(audit.entries(action="login_throttled")) == 4
    # the right password still works after the wait and resets the counter
    ft.now += 1
    assert accounts.authenticate("carol", "password-123", clock=ft.clock) is not None
    assert _refused("carol", "nope", ft) is None and _refused("carol", "nope", ft) is None
    # unknown names are throttled too (guessing accounts)
    for _ in range(accounts.FREE_FAILURES):
        assert _refused("nobody", "x", ft) is None
    assert _refused("nobody", "x", ft) == accounts.throttle_delay(3)


def test_logins_never_sleep(sqlite_db, monkeypatch):
    import time

    monkeypatch.setattr(time, "sleep", lambda s: pytest.fail("a login slept"))
    accounts.add_user("dave", "password-123", "leader")
    for _ in range(accounts.FREE_FAILURES + 2):
        try:
            accounts.authenticate("dave", "nope")
        except accounts.LoginRefused:
            pass


def test_first_administrator_needs_the_console_code(db, capsys):
    assert accounts.setup_code_required()
    printed = capsys.readouterr().out
    code = accounts.issue_setup_code(echo=None)
    assert code and code in printed                         # same code for the whole process
    with pytest.raises(SetupError):
        accounts.create_first_admin("0000-0000-0000-0000", "root", "password-123")
    admin = accounts.create_first_admin(code, "root", "password-123")
    assert admin.role == "admin"
    assert not accounts.setup_code_required()
    with pytest.raises(SetupError):
        accounts.create_first_admin(code, "root2", "password-123")
    assert accounts.authenticate("root", "password-123") == admin
    actions = list(audit.entries()["action"])
    assert actions.count("setup_admin") == 2                 # one refused, one done


def test_session_expires_after_idle_time_and_on_disable(sqlite_db, monkeypatch):
    monkeypatch.setenv("SHAOXING_SESSION_MINUTES", "10")
    u = accounts.add_user("dave", "password-123", "city_officer")
    state: dict = {}
    accounts.session_login(state, u, now=1000.0)
    assert accounts.session_user(state, now=1000.0 + 9 * 60) == u
    assert accounts.session_user(state, now=1000.0 + 18 * 60) == u          # activity renewed it
    assert accounts.session_user(state, now=1000.0 + 29 * 60) is None       # idle > 10 minutes
    assert state.get("user_expired")
    accounts.session_login(state, u, now=5000.0)
    accounts.disable_user("dave")
    assert accounts.session_user(state, now=5001.0) is None
    accounts.enable_user("dave")                 # a disabled account cannot sign in (core.db.sessions.begin)
    accounts.session_login(state, u, now=6000.0)
    accounts.session_logout(state)
    assert accounts.session_user(state, now=6001.0) is None
    assert "logout" in set(audit.entries()["action"])


def test_refusals_are_one_sentence_in_each_language(sqlite_db):
    from core.i18n import t

    with pytest.raises(accounts.AccountError) as err:
        accounts.add_user("someone", "password-123", "king")
    e = err.value
    assert str(e) == t("db.account.bad_role", role="king", roles=e.fmt["roles"])
    assert e.text("en") == t("db.account.bad_role", "en", role="king", roles=e.fmt["roles"]) != str(e)
    assert "king" in e.text("en")


def test_a_second_server_process_keeps_the_first_ones_setup_code(db, capsys):
    first = accounts.issue_setup_code()
    assert first in capsys.readouterr().out
    accounts._issued_codes.clear()                          # a second server process starts
    assert accounts.issue_setup_code() is None
    told = capsys.readouterr().out
    assert first not in told and "setup-code" in told       # it says where the code is, not a new one
    assert accounts.issue_setup_code() is None and capsys.readouterr().out == ""   # and says it once
    assert accounts.setup_code_required()
    from core.db.models import settings
    from core.db.session import reading

    with reading() as conn:
        stored = conn.execute(select(settings.c.value).where(settings.c.key == accounts.SETUP_KEY)).scalars().all()
    assert len(stored) == 1 and first not in stored[0]     # one code, kept hashed
    assert accounts.create_first_admin(first, "root", "password-123").role == "admin"


def test_a_lost_setup_code_is_replaced_on_request(db, capsys):
    old = accounts.issue_setup_code(echo=None)
    accounts._issued_codes.clear()
    new = accounts.issue_setup_code(echo=None, replace=True)
    assert new and new != old
    with pytest.raises(SetupError):
        accounts.create_first_admin(old, "root", "password-123")
    assert accounts.create_first_admin(new, "root", "password-123").role == "admin"
