"""Signed-in sessions in the database (core.db.sessions) and account care (core.db.accounts), on
SQLite and PostgreSQL: only the token's hash is stored, the one-time code works once and briefly,
idle and old sessions end, logout, disabling, password changes and resets end them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import accounts, audit, sessions
from core.db.models import session_drafts, sessions as sessions_table
from core.db.session import reading
from tests.db_conftest_helpers import db, pg_db, pg_server, sqlite_db  # noqa: F401  (fixtures)

T0 = 1_900_000_000.0        # a moment in 2030 (seconds since the epoch)


def _signed_in(name="anna", role="city_officer", now=T0):
    u = accounts.add_user(name, "password-123", role, "柯桥区" if role == "district_officer" else None)
    sid, code = sessions.begin(u.name, now=now)
    token = sessions.exchange(code, now=now + 1)
    assert token
    return u, sid, token


def _rows():
    with reading() as conn:
        return [dict(r) for r in conn.execute(select(sessions_table)).mappings()]


def test_only_the_hash_of_the_token_is_stored(db):
    u, sid, token = _signed_in()
    (row,) = _rows()
    assert row["token_hash"] == sessions.digest(token) and len(row["token_hash"]) == 64
    assert token not in str(row.values()) and row["code_hash"] is None      # the code is used up
    checked = sessions.check(token=token, now=T0 + 2)
    assert checked.user == u and checked.session_id == sid
    assert sessions.check(token=token[:-1] + ("A" if token[-1] != "A" else "B"), now=T0 + 2).user is None


def test_the_one_time_code_works_once_and_only_for_a_minute(db):
    u = accounts.add_user("ben", "password-123", "leader")
    _, code = sessions.begin(u.name, now=T0)
    assert sessions.exchange(code, now=T0 + sessions.CODE_SECONDS + 1) is None      # too late
    _, code = sessions.begin(u.name, now=T0)
    assert sessions.exchange("x" + code, now=T0 + 1) is None
    assert sessions.exchange(code, now=T0 + 1)
    assert sessions.exchange(code, now=T0 + 2) is None                              # used
    with pytest.raises(LookupError):
        sessions.begin("nobody")


def test_idle_and_old_sessions_expire(db, monkeypatch):
    monkeypatch.setenv("SHAOXING_SESSION_SECONDS", "600")
    monkeypatch.setenv("SHAOXING_SESSION_MAX_HOURS", "1")
    u, sid, token = _signed_in()
    assert sessions.check(token=token, now=T0 + 500).user == u        # active: the last activity moves on
    assert sessions.check(token=token, now=T0 + 1000).user == u
    gone = sessions.check(token=token, now=T0 + 1000 + 601)
    assert gone.user is None and gone.reason == "expired"
    assert sessions.check(token=token, now=T0 + 1000 + 602).reason == "expired"     # and stays ended
    _, _, token2 = _signed_in("carl", now=T0)
    for minute in range(1, 60):                                       # busy all the time …
        assert sessions.check(token=token2, now=T0 + minute * 60).user is not None
    assert sessions.check(token=token2, now=T0 + 3600 + 30).reason == "expired"    # … but not longer than the cap


def test_logout_ends_the_session_and_its_cookie(db):
    u, sid, token = _signed_in()
    state = {}
    assert accounts.session_user(state, token=token, now=T0 + 5) == u     # a reloaded tab: found by the cookie
    accounts.session_logout(state)
    assert accounts.session_user({}, token=token, now=T0 + 6) is None     # the cookie, if kept, opens nothing
    assert sessions.check(token=token, now=T0 + 6).reason == "logout"
    assert "logout" in set(audit.entries()["action"])


def test_disabling_ends_every_session_and_reenabling_does_not_revive_them(db):
    u, sid, token = _signed_in("dora", "district_officer")
    _, token2 = _exchange_for(u.name)
    accounts.disable_user("dora", actor="root")
    assert sessions.open_sessions("dora") == 0
    for tok in (token, token2):
        assert sessions.check(token=tok, now=T0 + 3).user is None
    accounts.enable_user("dora", actor="root")
    assert sessions.check(token=token, now=T0 + 4).user is None           # a new sign-in is needed
    assert accounts.authenticate("dora", "password-123") == u
    with pytest.raises(accounts.AccountError) as err:
        accounts.enable_user("dora")
    assert "dora" in str(err.value)
    actions = list(audit.entries()["action"])
    assert actions.count("user_enable") == 1 and "user_disable" in actions


def test_a_password_change_ends_the_other_sessions_but_not_this_one(db):
    u, here, token = _signed_in()
    _, token2 = _exchange_for(u.name)
    with pytest.raises(accounts.AccountError):
        accounts.change_password("anna", "wrong-password", "new-password-1", keep_session=here)
    with pytest.raises(accounts.AccountError):
        accounts.change_password("anna", "password-123", "short", keep_session=here)
    with pytest.raises(accounts.AccountError):
        accounts.change_password("anna", "password-123", "password-123", keep_session=here)
    assert sessions.check(token=token2, now=T0 + 2).user == u               # refusals change nothing
    accounts.change_password("anna", "password-123", "new-password-1", keep_session=here)
    assert sessions.check(token=token, now=T0 + 3).user == u
    assert sessions.check(token=token2, now=T0 + 3).reason == "password_change"
    assert accounts.authenticate("anna", "password-123") is None
    assert accounts.authenticate("anna", "new-password-1") == u
    log = audit.entries()
    changes = log[log["action"] == "password_change"]
    assert list(changes["ok"]) == [True, False]


def _exchange_for(name):
    sid, code = sessions.begin(name, now=T0)
    return sid, sessions.exchange(code, now=T0)


def test_a_reset_is_one_time_and_must_be_changed(db):
    u, sid, token = _signed_in("eva", "district_officer")
    temporary = accounts.reset_password("eva", actor="root")
    assert len(temporary) == 12
    assert sessions.check(token=token, now=T0 + 2).reason == "password_reset"
    assert accounts.authenticate("eva", "password-123") is None
    assert accounts.authenticate("eva", temporary) == u
    sid2, token2 = _exchange_for("eva")
    assert sessions.check(token=token2, now=T0 + 3).must_change_password
    info = {x.name: x for x in accounts.list_users()}["eva"]
    assert info.must_change_password
    accounts.change_password("eva", temporary, "eva-own-password", keep_session=sid2)
    assert not sessions.check(token=token2, now=T0 + 4).must_change_password
    entry = audit.entries(action="password_reset").iloc[0]
    assert entry["actor"] == "root" and entry["target"] == "eva" and temporary not in str(entry["detail"])
    accounts.password_for("eva", "set-by-console", actor="cli:ops")
    assert sessions.check(token=token2, now=T0 + 5).reason == "password_set"
    assert accounts.authenticate("eva", "set-by-console") == u


def test_the_unsaved_roster_is_kept_encrypted_for_its_session_only(db):
    u, sid, token = _signed_in()
    data = "姓名,身份证号\n张三,513226199001010011\n".encode("utf-8")
    assert sessions.save_draft(token, "名单.csv", data, {"as_of": "2021-06-30"})
    with reading() as conn:
        (payload,) = conn.execute(select(session_drafts.c.payload)).one()
    assert b"513226" not in payload and "张三".encode() not in payload       # unreadable in the database
    assert sessions.load_draft(token) == ("名单.csv", data, {"as_of": "2021-06-30"})
    _, other = _exchange_for("anna")
    assert sessions.load_draft(other) is None                                # another session has none
    sessions.clear_draft(token)
    assert sessions.load_draft(token) is None
    sessions.save_draft(token, "名单.csv", data)
    accounts.session_logout({"user": u, "user_session": sid})
    assert sessions.load_draft(token) is None and not sessions.save_draft(token, "x.csv", b"x")
    with reading() as conn:
        assert conn.execute(select(session_drafts)).all() == []              # gone with the session


def test_the_tab_memory_follows_the_database(db, monkeypatch):
    """A signed-in tab (session_login) is checked in the database on every run: the account's
    disabling by an administrator in another process ends it at the next run."""
    monkeypatch.setenv("SHAOXING_SESSION_MINUTES", "10")
    u = accounts.add_user("fay", "password-123", "leader")
    state: dict = {}
    code = accounts.session_login(state, u, now=T0)
    assert code and accounts.session_user(state, now=T0 + 60) == u
    accounts.disable_user("fay")
    assert accounts.session_user(state, now=T0 + 61) is None and "user" not in state


def test_an_expired_session_is_said_once_not_on_every_page_load(db, monkeypatch):
    """The browser keeps the stale cookie until it closes: the login page says "登录已过期" once
    (accounts.expiry_shown), then that cookie signs nobody in and says nothing more."""
    monkeypatch.setenv("SHAOXING_SESSION_SECONDS", "600")
    u, sid, token = _signed_in()
    state: dict = {}
    assert accounts.session_user(state, token=token, now=T0 + 700) is None
    assert state["user_expired"] == sid                       # what the login page says, for this session
    again: dict = {}                                          # a new page load, the same cookie
    assert accounts.session_user(again, token=token, now=T0 + 800) is None
    assert again["user_expired"] == sid                       # not yet shown: still said
    accounts.expiry_shown(state.pop("user_expired"))
    for later in (T0 + 900, T0 + 5000):
        fresh: dict = {}
        assert accounts.session_user(fresh, token=token, now=later) is None       # still ended …
        assert "user_expired" not in fresh                                         # … and silent
    assert sessions.check(token=token, now=T0 + 900).reason == sessions.EXPIRED_SHOWN


def test_only_an_expiry_is_marked_shown(db, monkeypatch):
    """A logout, a disabled account: their reason stays; a session the sweep expired is said once too."""
    monkeypatch.setenv("SHAOXING_SESSION_SECONDS", "600")
    u, sid, token = _signed_in()
    sessions.revoke(sid, "logout")
    accounts.expiry_shown(sid)
    assert sessions.check(token=token).reason == "logout"
    accounts.expiry_shown(True)                       # an old flag without a session: nothing to mark
    _, sid2, token2 = _signed_in("bert", now=T0)
    sessions.begin("bert", now=T0 + 10_000)           # the sweep of a later sign-in ends bert's idle session
    state: dict = {}
    assert accounts.session_user(state, token=token2, now=T0 + 10_001) is None
    assert state["user_expired"] == sid2
    accounts.expiry_shown(sid2)
    assert sessions.check(token=token2, now=T0 + 10_002).reason == sessions.EXPIRED_SHOWN
