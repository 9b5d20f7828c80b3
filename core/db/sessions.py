"""Signed-in sessions kept in the database, so a login survives a reload, a new tab, a bookmark and
every app process behind nginx, until logout or idle expiry.

1. A successful sign-in (``begin``) makes a ``sessions`` row holding the SHA-256 of a one-time
   code (valid ``CODE_SECONDS``) and returns the code; the page sends the browser to
   ``/_auth/session?code=…`` (``core.web_auth``).
2. That route calls ``exchange``: the code is used up, a random token (256 bits) is made, only its
   SHA-256 is stored, and the token goes to the browser in an HttpOnly, SameSite=Lax cookie
   (``COOKIE``). The token itself is stored nowhere.
3. Every page run calls ``check`` with the cookie's token (or, before the cookie exists, the
   session's id kept in the server's memory of that browser tab): a revoked session, an idle one
   (``config.session_seconds``), one older than ``config.session_max_seconds`` and a disabled
   account end it. The last activity is written at most once every ``TOUCH_SECONDS``.
4. Logout, a password change or reset and disabling an account revoke (``revoke``,
   ``revoke_user``): the cookie, if kept, then opens nothing.

The officer's unsaved roster (``save_draft`` / ``load_draft``) is kept per session, encrypted
with AES-GCM under a key derived from the token (HMAC-SHA256), so only the browser that holds the
cookie can have it read back; it goes with the session.

Times are naive UTC; ``now`` (seconds since the epoch) is injectable for tests.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
import zlib
from dataclasses import dataclass

from sqlalchemy import and_, delete, insert, select, update

from core.db import config
from core.db.models import session_drafts, sessions, users
from core.db.session import reading, transaction

COOKIE = "sx_session"
CODE_SECONDS = 60           # a sign-in's one-time code must be exchanged within a minute
TOUCH_SECONDS = 60          # the last activity is written at most this often (or a tenth of the idle time)
KEEP_ENDED_DAYS = 7         # ended sessions are deleted after a week (the audit log keeps logins and logouts)
EXPIRED_SHOWN = "expired_shown"   # revoked_reason once the visitor was told the session expired


@dataclass(frozen=True)
class Checked:
    """The outcome of ``check``: ``user`` (core.db.accounts.User) when the session holds, else
    None with ``reason``: unknown, expired, disabled, or the reason it was revoked for (logout,
    disabled, password_change, password_reset, password_set; expired_shown once the visitor
    has been told it expired, ``expiry_shown``)."""
    user: object | None
    reason: str | None = None
    session_id: int | None = None
    must_change_password: bool = False


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _at(now: float | None) -> dt.datetime:
    return dt.datetime.fromtimestamp(time.time() if now is None else now, dt.timezone.utc).replace(tzinfo=None)


def begin(user_name: str, ip: str | None = None, now: float | None = None) -> tuple[int, str]:
    """A new session of ``user_name`` (an active account): its id and the one-time code the
    browser exchanges for its cookie. Old ended sessions are cleared on the way."""
    at = _at(now)
    code = secrets.token_urlsafe(24)
    with transaction() as conn:
        uid = conn.execute(select(users.c.id).where(users.c.name == user_name, users.c.active.is_(True))).scalar()
        if uid is None:
            raise LookupError(user_name)
        _purge(conn, at)
        sid = conn.execute(insert(sessions).values(
            user_id=uid, code_hash=digest(code), code_expires_at=at + dt.timedelta(seconds=CODE_SECONDS),
            created_at=at, last_seen_at=at, ip=ip[:64] if isinstance(ip, str) else None,
        ).returning(sessions.c.id)).scalar_one()
    return int(sid), code


def exchange(code: str, now: float | None = None) -> str | None:
    """The token for a sign-in's one-time code, once; None for a wrong, used or late code."""
    if not code or len(code) > 128:
        return None
    at = _at(now)
    token = secrets.token_urlsafe(32)
    with transaction() as conn:
        res = conn.execute(update(sessions).where(
            sessions.c.code_hash == digest(code), sessions.c.code_expires_at >= at,
            sessions.c.revoked_at.is_(None), sessions.c.token_hash.is_(None),
        ).values(token_hash=digest(token), code_hash=None, code_expires_at=None, last_seen_at=at))
        if res.rowcount != 1:
            return None
    return token


def check(token: str | None = None, session_id: int | None = None, now: float | None = None) -> Checked:
    """Whether the session named by the cookie's ``token`` (else by ``session_id``) still holds.
    An idle or too old session is revoked here (reason ``expired``)."""
    from core.db.accounts import User

    if token:
        where = sessions.c.token_hash == digest(token)
    elif session_id is not None:
        where = sessions.c.id == int(session_id)
    else:
        return Checked(None, "unknown")
    at = _at(now)
    with reading() as conn:
        row = conn.execute(select(
            sessions.c.id, sessions.c.created_at, sessions.c.last_seen_at, sessions.c.revoked_at,
            sessions.c.revoked_reason, users.c.name, users.c.role, users.c.district, users.c.active,
            users.c.must_change_password,
        ).join(users, users.c.id == sessions.c.user_id).where(where)).mappings().first()
    if row is None:
        return Checked(None, "unknown")
    sid = int(row["id"])
    if row["revoked_at"] is not None:
        return Checked(None, row["revoked_reason"] or "revoked", sid)
    idle = (at - row["last_seen_at"]).total_seconds()
    if idle > config.session_seconds() or (at - row["created_at"]).total_seconds() > config.session_max_seconds():
        revoke(sid, "expired", now=now)
        return Checked(None, "expired", sid)
    if not row["active"]:
        revoke(sid, "disabled", now=now)
        return Checked(None, "disabled", sid)
    if idle >= min(TOUCH_SECONDS, config.session_seconds() / 10):
        with transaction() as conn:
            conn.execute(update(sessions).where(sessions.c.id == sid, sessions.c.revoked_at.is_(None))
                         .values(last_seen_at=at))
    return Checked(User(row["name"], row["role"], row["district"]), None, sid, bool(row["must_change_password"]))


def expiry_shown(session_id: int) -> None:
    """The visitor has been told this session expired: a later check says ``expired_shown``, so
    the cookie the browser keeps until it closes (no page can clear it without a page load
    through /_auth/logout) does not bring "登录已过期" back on every page load."""
    with transaction() as conn:
        conn.execute(update(sessions).where(sessions.c.id == int(session_id), sessions.c.revoked_reason == "expired")
                     .values(revoked_reason=EXPIRED_SHOWN))


def revoke(session_id: int, reason: str, conn=None, now: float | None = None) -> None:
    """End one session (and drop its unsaved roster)."""
    def run(c):
        c.execute(update(sessions).where(sessions.c.id == int(session_id), sessions.c.revoked_at.is_(None))
                  .values(revoked_at=_at(now), revoked_reason=reason[:32], code_hash=None))
        c.execute(delete(session_drafts).where(session_drafts.c.session_id == int(session_id)))

    if conn is not None:
        run(conn)
    else:
        with transaction() as c:
            run(c)


def revoke_user(conn, user_name: str, reason: str, keep: int | None = None, now: float | None = None) -> int:
    """End every open session of ``user_name`` (but ``keep``), inside ``conn``'s transaction; how many."""
    uid = select(users.c.id).where(users.c.name == user_name).scalar_subquery()
    open_ = and_(sessions.c.user_id == uid, sessions.c.revoked_at.is_(None))
    if keep is not None:
        open_ = and_(open_, sessions.c.id != int(keep))
    ids = [r[0] for r in conn.execute(select(sessions.c.id).where(open_))]
    if ids:
        conn.execute(delete(session_drafts).where(session_drafts.c.session_id.in_(ids)))
        conn.execute(update(sessions).where(sessions.c.id.in_(ids))
                     .values(revoked_at=_at(now), revoked_reason=reason[:32], code_hash=None))
    return len(ids)


def open_sessions(user_name: str) -> int:
    """How many sessions of ``user_name`` are not ended (revoked); for tests and the admin page."""
    with reading() as conn:
        return len(conn.execute(select(sessions.c.id).join(users, users.c.id == sessions.c.user_id)
                                .where(users.c.name == user_name, sessions.c.revoked_at.is_(None))).all())


def _purge(conn, at: dt.datetime) -> None:
    """Revoke sessions idle past their time, drop drafts of ended sessions, delete sessions that
    ended more than ``KEEP_ENDED_DAYS`` ago."""
    idle_since = at - dt.timedelta(seconds=config.session_seconds())
    conn.execute(update(sessions).where(sessions.c.revoked_at.is_(None), sessions.c.last_seen_at < idle_since)
                 .values(revoked_at=at, revoked_reason="expired", code_hash=None))
    ended = select(sessions.c.id).where(sessions.c.revoked_at.is_not(None)).scalar_subquery()
    conn.execute(delete(session_drafts).where(session_drafts.c.session_id.in_(ended)))
    conn.execute(delete(sessions).where(
        sessions.c.revoked_at < at - dt.timedelta(days=KEEP_ENDED_DAYS),
        ~sessions.c.id.in_(select(session_drafts.c.session_id))))


# --- the unsaved roster of a session ----------------------------------------------------------

def _key(token: str) -> bytes:
    return hmac.new(token.encode("utf-8"), b"shaoxing roster draft", hashlib.sha256).digest()


def save_draft(token: str, filename: str, data: bytes, meta: dict | None = None, now: float | None = None) -> bool:
    """Keep ``data`` (an uploaded roster) for the session of ``token``; False when it holds no
    longer. Encrypted under a key only the token gives."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    head = json.dumps({"filename": filename, "meta": meta or {}}, ensure_ascii=False).encode("utf-8")
    plain = len(head).to_bytes(4, "big") + head + data
    nonce = secrets.token_bytes(12)
    payload = nonce + AESGCM(_key(token)).encrypt(nonce, zlib.compress(plain, 1), None)
    with transaction() as conn:
        sid = conn.execute(select(sessions.c.id).where(sessions.c.token_hash == digest(token),
                                                       sessions.c.revoked_at.is_(None))).scalar()
        if sid is None:
            return False
        conn.execute(delete(session_drafts).where(session_drafts.c.session_id == sid))
        conn.execute(insert(session_drafts).values(session_id=sid, payload=payload, created_at=_at(now)))
    return True


def load_draft(token: str) -> tuple[str, bytes, dict] | None:
    """(file name, bytes, meta) of the session's unsaved roster, or None."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    with reading() as conn:
        payload = conn.execute(select(session_drafts.c.payload).join(sessions, sessions.c.id == session_drafts.c.session_id)
                               .where(sessions.c.token_hash == digest(token), sessions.c.revoked_at.is_(None))).scalar()
    if payload is None:
        return None
    try:
        plain = zlib.decompress(AESGCM(_key(token)).decrypt(payload[:12], payload[12:], None))
    except (InvalidTag, zlib.error, ValueError):
        return None
    n = int.from_bytes(plain[:4], "big")
    head = json.loads(plain[4:4 + n].decode("utf-8"))
    return head["filename"], plain[4 + n:], head.get("meta") or {}


def clear_draft(token: str) -> None:
    with transaction() as conn:
        sid = select(sessions.c.id).where(sessions.c.token_hash == digest(token)).scalar_subquery()
        conn.execute(delete(session_drafts).where(session_drafts.c.session_id == sid))

