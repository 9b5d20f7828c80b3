"""Accounts, roles, login with throttling, first-administrator setup, session expiry.

Passwords are hashed with argon2id (argon2-cffi). There is no default password: while no account
exists, the server prints a one-time setup code to its console (``setup_code_required``) and the
first administrator is created with it (``create_first_admin``).

Repeated failed logins for one user name are throttled: after ``FREE_FAILURES`` failures in a
row an attempt is refused (``LoginRefused``, saying how long to wait) until
``BASE_DELAY * 2**(failures - FREE_FAILURES)`` seconds (at most ``MAX_DELAY``) have passed since
the previous failure; the password is not even checked. From a network where the account signed
in within 30 days the wait counts only the failures from that network since its last sign-in (so
someone failing on purpose on an officer's name elsewhere cannot lock the officer out). Limits per
address and for the whole server, and the cap on concurrent password hashing, are in
``core.db.throttle``. Nothing sleeps in the request thread. The clock is injectable for tests.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.db import audit, config, throttle
from core.db.models import login_failures, settings, users
from core.db.session import reading, transaction, utcnow
from core.i18n import CatalogError, join_enum, t

ROLES = ("admin", "city_officer", "district_officer", "leader")
PERMISSIONS = {
    "admin": {"upload", "dashboard", "events", "admin", "all_districts"},
    "city_officer": {"upload", "dashboard", "events", "all_districts"},
    "district_officer": {"upload"},
    "leader": {"dashboard", "all_districts"},
}
MIN_PASSWORD_LENGTH = 8
FREE_FAILURES = 3
BASE_DELAY = 1.0
MAX_DELAY = 30.0
SETUP_KEY = "setup_code_sha256"

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
_issued_codes: dict[str, str] = {}          # database URL -> setup code printed by this process ("": another's)


class AccountError(CatalogError, ValueError):
    """A refused account or storage operation, raised with a catalog key: ``str(e)`` is one
    Chinese sentence, ``e.text(lang)`` the same sentence in another language of the catalog."""


class SetupError(AccountError):
    pass


@dataclass(frozen=True)
class User:
    name: str
    role: str
    district: str | None = None

    def can(self, permission: str) -> bool:
        return can(self, permission)

    @property
    def role_label(self) -> str:
        return t(f"db.role.{self.role}")


@dataclass(frozen=True)
class UserInfo:
    name: str
    role: str
    district: str | None
    active: bool
    created_at: dt.datetime
    created_by: str | None
    must_change_password: bool = False


def can(user: User | None, permission: str) -> bool:
    return user is not None and permission in PERMISSIONS.get(user.role, set())


def canonical_district(value: str | None) -> str | None:
    """A district name or code (as the roster reader accepts it) as its canonical name, or None."""
    if value is None or not str(value).strip():
        return None
    from core.normalize import parse_district

    parsed = parse_district(pd.Series([str(value)], dtype="string"))
    v = parsed.values.iloc[0]
    return None if pd.isna(v) else str(v)


def _check_new_account(name: str, password: str, role: str, district: str | None) -> tuple[str, str | None]:
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise AccountError("db.account.bad_name")
    if role not in ROLES:
        raise AccountError("db.account.bad_role", role=role, roles=join_enum(ROLES))
    if role == "district_officer":
        canon = canonical_district(district)
        if canon is None:
            raise AccountError("db.account.district_required")
        district = canon
    elif district:
        raise AccountError("db.account.district_only_for_district_officer")
    else:
        district = None
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError("db.account.password_too_short", n=MIN_PASSWORD_LENGTH)
    return name, district


def add_user(name: str, password: str, role: str, district: str | None = None,
             actor: str | None = None) -> User:
    name, district = _check_new_account(name, password, role, district)
    pw_hash = _hash(password)
    try:
        with transaction() as conn:
            conn.execute(insert(users).values(name=name, password_hash=pw_hash, role=role, district=district,
                                              active=True, created_at=utcnow(), created_by=actor))
            audit.record(conn, "user_add", actor=actor, target=name, role=role, district=district)
    except IntegrityError:
        raise AccountError("db.account.exists", name=name) from None
    return User(name, role, district)


def list_users() -> list[UserInfo]:
    with reading() as conn:
        rows = conn.execute(select(users).order_by(users.c.id)).mappings().all()
    return [UserInfo(r["name"], r["role"], r["district"], bool(r["active"]), r["created_at"], r["created_by"],
                     bool(r["must_change_password"])) for r in rows]


def get_user(name: str) -> User | None:
    with reading() as conn:
        r = conn.execute(select(users).where(users.c.name == name)).mappings().first()
    if r is None or not r["active"]:
        return None
    return User(r["name"], r["role"], r["district"])


def disable_user(name: str, actor: str | None = None) -> None:
    with transaction() as conn:
        res = conn.execute(update(users).where(users.c.name == name, users.c.active.is_(True))
                           .values(active=False, disabled_at=utcnow()))
        if res.rowcount == 0:
            raise AccountError("db.account.not_found", name=name)
        from core.db import sessions

        ended = sessions.revoke_user(conn, name, "disabled")
        audit.record(conn, "user_disable", actor=actor, target=name, sessions_ended=ended)


def user_count() -> int:
    with reading() as conn:
        return conn.execute(select(func.count()).select_from(users)).scalar_one()


# --- first administrator ------------------------------------------------------------------

def _code_digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().encode("utf-8")).hexdigest()


def _new_code() -> str:
    raw = secrets.token_hex(8)
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def issue_setup_code(echo: Callable[[str], None] | None = print, replace: bool = False) -> str | None:
    """While no account exists: one setup code for the whole database, kept hashed in
    ``settings``. The process that makes it prints it (and keeps it for the process); a process
    started later finds it there, keeps it, and prints where to look instead (None). ``replace``
    (the command ``users setup-code``) makes a new one, and the old one stops working."""
    if user_count() > 0:
        return None
    url = config.database_url()
    code = None if replace else _issued_codes.get(url)
    if code is not None:
        return code or None          # "": another process's code, already said where it is
    code, now = _new_code(), utcnow()
    try:
        with transaction() as conn:
            existing = conn.execute(select(settings.c.updated_at).where(settings.c.key == SETUP_KEY)).first()
            if existing is not None and not replace:
                if echo is not None:
                    at = existing[0].strftime("%Y-%m-%d %H:%M") if existing[0] else "?"
                    echo(t("db.setup.console_existing", at=at))
                _issued_codes[url] = ""      # said once per process
                return None
            if existing is None:
                conn.execute(insert(settings).values(key=SETUP_KEY, value=_code_digest(code), updated_at=now))
            else:
                conn.execute(update(settings).where(settings.c.key == SETUP_KEY)
                             .values(value=_code_digest(code), updated_at=now))
    except IntegrityError:       # another process stored its code at the same moment: that one stays
        return issue_setup_code(echo, replace=False)
    _issued_codes[url] = code
    if echo is not None:
        echo(t("db.setup.console", code=code))
    return code


def setup_code_required() -> bool:
    """True while no account exists; the first call in a process prints the setup code."""
    if user_count() > 0:
        return False
    issue_setup_code()
    return True


def create_first_admin(setup_code: str, name: str, password: str, ip: str | None = None) -> User:
    name, _ = _check_new_account(name, password, "admin", None)
    pw_hash = _hash(password)
    with transaction() as conn:
        if conn.execute(select(func.count()).select_from(users)).scalar_one() > 0:
            raise SetupError("db.setup.already_done")
        stored = conn.execute(select(settings.c.value).where(settings.c.key == SETUP_KEY)).scalar()
        if not stored or not hmac.compare_digest(stored, _code_digest(setup_code or "")):
            ok = False
        else:
            ok = True
            conn.execute(insert(users).values(name=name, password_hash=pw_hash, role="admin", district=None,
                                              active=True, created_at=utcnow(), created_by="setup"))
            conn.execute(delete(settings).where(settings.c.key == SETUP_KEY))
            audit.record(conn, "setup_admin", actor=name, target=name, ip=ip)
    if not ok:
        audit.record(None, "setup_admin", actor=None, target=name, ok=False, ip=ip)
        raise SetupError("db.setup.wrong_code")
    _issued_codes.pop(config.database_url(), None)
    return User(name, "admin", None)


# --- login --------------------------------------------------------------------------------

def throttle_delay(failures: int) -> float:
    """Seconds an attempt must wait after the last failure, given failures so far."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(MAX_DELAY, BASE_DELAY * 2 ** (failures - FREE_FAILURES))


def _ts(clock: Callable[[], float]) -> dt.datetime:
    return dt.datetime.fromtimestamp(clock(), dt.timezone.utc).replace(tzinfo=None)


class LoginRefused(AccountError):
    """A login not checked: too many failures (for the name, the address or the server), or no
    free password-hashing slot. ``str(e)`` says how long to wait."""


def _refuse(name: str, ip: str | None, scope: str, wait: float) -> None:
    seconds = max(1, math.ceil(wait))
    audit.record(None, "login_throttled", actor=name, target=name, ok=False, ip=ip, scope=scope,
                 retry_seconds=seconds)
    if scope == "busy":
        raise LoginRefused("db.login.busy")
    raise LoginRefused("db.login.throttled", seconds=seconds)


def authenticate(username: str, password: str, ip: str | None = None, *,
                 clock: Callable[[], float] = time.time) -> User | None:
    """The user when name and password match an active account, else None. Audited either way.

    Raises ``LoginRefused`` (without checking the password) while a limit holds: the user name's
    wait after failures in a row, the address's or the whole server's failures in a window
    (``core.db.throttle``), or no free hashing slot. Nothing here sleeps."""
    name = (username or "").strip()[:64]
    now = utcnow()
    with reading() as conn:
        thr = conn.execute(select(login_failures).where(login_failures.c.username == name)).mappings().first()
        known = throttle.known_network(conn, name, ip, now)
        wait, scope = throttle.wait_seconds(conn, ip, now, known=known)
        mine = throttle.failures_from(conn, name, ip, now) if known and not wait else None
    failures = thr["failures"] if thr else 0
    if not wait and mine is not None:        # a known network: the failures from there only
        if mine[1] is not None:
            elapsed = (now - mine[1]).total_seconds()
            wait, scope = max(0.0, throttle_delay(mine[0]) - elapsed), "user"
    elif not wait and thr and thr["last_failure_at"] is not None:
        elapsed = (_ts(clock) - thr["last_failure_at"]).total_seconds()
        wait, scope = max(0.0, throttle_delay(failures) - elapsed), "user"
    if wait > 0:
        _refuse(name, ip, scope, wait)
    with reading() as conn:
        row = conn.execute(select(users).where(users.c.name == name)).mappings().first()
    ok = False
    reason = "unknown_user"
    try:
        with throttle.hashing_slot():
            if row is None:
                try:
                    _hasher.verify(_DUMMY_HASH, password or "")     # same time as a real check
                except VerificationError:
                    pass
            else:
                try:
                    ok = _hasher.verify(row["password_hash"], password or "")
                except (VerifyMismatchError, VerificationError, InvalidHashError):
                    ok = False
                reason = "wrong_password"
                if ok and not row["active"]:
                    ok, reason = False, "disabled"
            new_hash = _hasher.hash(password) if ok and _hasher.check_needs_rehash(row["password_hash"]) else None
    except throttle.NoHashingSlot:
        _refuse(name, ip, "busy", throttle.HASH_WAIT)
    if ok:
        with transaction() as conn:
            conn.execute(delete(login_failures).where(login_failures.c.username == name))
            if new_hash is not None:
                conn.execute(update(users).where(users.c.id == row["id"]).values(password_hash=new_hash))
            audit.record(conn, "login", actor=name, target=name, ip=ip)
        return User(row["name"], row["role"], row["district"])
    now = _ts(clock)
    for _attempt in range(3):
        try:
            with transaction() as conn:
                res = conn.execute(update(login_failures).where(login_failures.c.username == name)
                                   .values(failures=login_failures.c.failures + 1, last_failure_at=now))
                if res.rowcount == 0:
                    conn.execute(insert(login_failures).values(username=name, failures=1, last_failure_at=now))
                audit.record(conn, "login_failed", actor=name, target=name, ok=False, ip=ip,
                             reason=reason, failures=failures + 1)
            break
        except IntegrityError:
            continue
    return None


def _hash(password: str) -> str:
    """An argon2id hash, in one of the process's hashing slots (core.db.throttle)."""
    try:
        with throttle.hashing_slot():
            return _hasher.hash(password)
    except throttle.NoHashingSlot:
        raise LoginRefused("db.login.busy") from None


def _new_password(conn, name: str, password: str, action: str, actor: str | None,
                  must_change: bool, keep_session: int | None = None) -> None:
    """Store ``password`` for ``name`` inside ``conn``'s transaction, end the account's other
    sessions and record ``action``."""
    from core.db import sessions

    res = conn.execute(update(users).where(users.c.name == name).values(
        password_hash=_hash(password), must_change_password=must_change, password_changed_at=utcnow()))
    if res.rowcount == 0:
        raise AccountError("db.account.not_found", name=name)
    ended = sessions.revoke_user(conn, name, action, keep=keep_session)
    audit.record(conn, action, actor=actor, target=name, sessions_ended=ended)


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError("db.account.password_too_short", n=MIN_PASSWORD_LENGTH)


def password_for(name: str, password: str, actor: str | None = None) -> None:
    """Set a new password for ``name`` (the command ``users passwd``): the account's sessions end."""
    _check_password(password)
    with transaction() as conn:
        _new_password(conn, name, password, "password_set", actor, must_change=False)


def reset_password(name: str, actor: str | None = None) -> str:
    """An administrator's reset: a new random one-time password (returned, shown once), which the
    user must change at the next sign-in; the account's sessions end. Audited."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"     # nothing to misread
    password = "".join(secrets.choice(alphabet) for _ in range(12))
    with transaction() as conn:
        _new_password(conn, name, password, "password_reset", actor, must_change=True)
    return password


def change_password(name: str, old: str, new: str, keep_session: int | None = None,
                    ip: str | None = None) -> None:
    """A user changes their own password: the old one must match, the new one differ from it.
    Every other session of the account ends (``keep_session``, the one in use, stays)."""
    with reading() as conn:
        row = conn.execute(select(users.c.password_hash, users.c.active).where(users.c.name == name)).first()
    if row is None or not row[1]:
        raise AccountError("db.account.not_found", name=name)
    try:
        with throttle.hashing_slot():
            ok = _hasher.verify(row[0], old or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    except throttle.NoHashingSlot:
        raise LoginRefused("db.login.busy") from None
    if not ok:
        audit.record(None, "password_change", actor=name, target=name, ok=False, ip=ip, reason="wrong_password")
        raise AccountError("account.wrong_old_password")
    _check_password(new)
    if new == old:
        raise AccountError("account.same_password")
    with transaction() as conn:
        _new_password(conn, name, new, "password_change", name, must_change=False, keep_session=keep_session)


def enable_user(name: str, actor: str | None = None) -> None:
    """Re-enable a disabled account (its failed-login count starts again). Audited."""
    with transaction() as conn:
        res = conn.execute(update(users).where(users.c.name == name, users.c.active.is_(False))
                           .values(active=True, disabled_at=None))
        if res.rowcount == 0:
            exists = conn.execute(select(users.c.id).where(users.c.name == name)).first()
            raise AccountError("account.not_disabled" if exists else "db.account.not_found", name=name)
        conn.execute(delete(login_failures).where(login_failures.c.username == name))
        audit.record(conn, "user_enable", actor=actor, target=name)


# --- the signed-in user of a browser tab (st.session_state or any mapping) -----------------------
# The session itself is in the database (core.db.sessions); the tab's memory keeps its id, and a
# reloaded tab finds it again through the cookie's token.

_USER, _SID = "user", "user_session"   # "user" is what the pages read
MUST_CHANGE = "must_change_password"


def _drop(state: MutableMapping, *keys: str) -> None:
    for key in keys:            # (Streamlit's AppTest state has no pop)
        if key in state:
            del state[key]


def session_login(state: MutableMapping, user: User, now: float | None = None, ip: str | None = None) -> str:
    """Sign ``user`` in for this tab: a new database session; returns its one-time code, which
    the browser exchanges for the session cookie (core.web_auth)."""
    from core.db import sessions

    sid, code = sessions.begin(user.name, ip=ip, now=now)
    state[_USER] = user
    state[_SID] = sid
    _drop(state, "user_expired")
    return code


def session_user(state: MutableMapping, token: str | None = None, now: float | None = None) -> User | None:
    """The signed-in user, or None (never signed in, logged out, idle too long, account disabled,
    password changed or reset). ``token``: the session cookie's value, which signs a reloaded
    tab in again. Checked in the database on every call."""
    from core.db import sessions

    sid = state.get(_SID)
    if sid is None and not token:
        _drop(state, _USER)
        return None
    checked = sessions.check(session_id=sid, now=now) if sid is not None else sessions.check(token=token, now=now)
    if checked.user is None:
        _drop(state, _USER, _SID, MUST_CHANGE)
        if checked.reason == "expired":          # said on the login page, once (expiry_shown)
            state["user_expired"] = checked.session_id or True
        return None
    state[_USER] = checked.user
    state[_SID] = checked.session_id
    state[MUST_CHANGE] = checked.must_change_password
    return checked.user


def expiry_shown(value) -> None:
    """The login page said "登录已过期" for the session in ``state["user_expired"]``: not again for
    that session's cookie (core.db.sessions.expiry_shown)."""
    from core.db import sessions

    if isinstance(value, int) and not isinstance(value, bool):
        sessions.expiry_shown(value)


def session_logout(state: MutableMapping, ip: str | None = None) -> None:
    from core.db import sessions

    user, sid = state.get(_USER), state.get(_SID)
    _drop(state, _USER, _SID, MUST_CHANGE)
    if sid is not None:
        sessions.revoke(sid, "logout")
    if user is not None:
        audit.record(None, "logout", actor=user.name, target=user.name, ip=ip)
