"""Sichuan counties Zhejiang helps, added by administrators without a code change.

data/reference/sichuan_helped_counties.csv holds the counties found in public sources; the full
list (浙委办发〔2018〕32号) was not published, so an administrator adds the others here. An
addition is stored, audited, and handed to ``core.reference`` (``load_into_reference``), which
merges it into the one table that the roster's ``county_helped`` (core.normalize), the
self-check and progress read: ``core.validate`` and ``core.rules`` never import the database.

The app calls ``refresh()`` on every page run (a cheap read at most every ``REFRESH_SECONDS``,
so every server process sees a change made in another one) and after each change; the command
line calls it before it evaluates a roster when a database is set up.
"""
from __future__ import annotations

import logging
import re
import threading
import time

import pandas as pd
from sqlalchemy import insert, select, update

from core import normalize, reference
from core.db import audit
from core.db.accounts import AccountError, User, can
from core.db.models import helped_counties
from core.db.session import reading, transaction, utcnow

log = logging.getLogger(__name__)
REFRESH_SECONDS = 30
_CODE = re.compile(r"^\d{6}$")
_SEPARATORS = re.compile("[;,\uff1b\uff0c\u3001\\s]+")
_lock = threading.Lock()
_loaded_at: float | None = None


def _require(user: User) -> None:
    if not can(user, "admin"):
        raise AccountError("db.permission_denied")


def _split(values) -> list:
    """A list, or one text of several separated by ; , (half- or full-width), 、 or spaces."""
    if isinstance(values, str):
        return [v for v in _SEPARATORS.split(values) if v]
    return list(values or ())


def _codes(values) -> list[str]:
    out = []
    for v in _split(values):
        v = normalize.clean_scalar(v) or ""
        if not _CODE.match(v):
            raise AccountError("db.counties.bad_code", code=v)
        out.append(v)
    return out


def _names(values) -> list[str]:
    return [n for n in (normalize.clean_scalar(v) for v in _split(values)) if n and ";" not in n]


def added() -> pd.DataFrame:
    """The active additions: id, code, name, aliases, old_codes, prefecture, source, added_by,
    added_at (oldest first)."""
    cols = ["id", "code", "name", "aliases", "old_codes", "prefecture", "source", "added_by", "added_at"]
    with reading() as conn:
        rows = conn.execute(select(*[helped_counties.c[c] for c in cols])
                            .where(helped_counties.c.removed_at.is_(None)).order_by(helped_counties.c.id)).all()
    return pd.DataFrame(rows, columns=cols)


def load_into_reference() -> bool:
    """Hand the stored additions to core.reference; returns whether the table changed."""
    global _loaded_at
    frame = added()
    with _lock:
        _loaded_at = time.monotonic()
    return reference.set_helped_county_extensions(frame[list(reference.HELPED_COLUMNS[:5]) + ["source"]])


def refresh(max_age: float = REFRESH_SECONDS) -> None:
    """``load_into_reference`` unless it ran less than ``max_age`` seconds ago in this process.
    A database that cannot be read leaves the table as it was (logged), never stops a page."""
    with _lock:
        fresh = _loaded_at is not None and time.monotonic() - _loaded_at < max_age
    if fresh:
        return
    try:
        load_into_reference()
    except Exception:  # the roster is still evaluated, with the additions last loaded
        log.exception("could not load the added Sichuan helped counties")


def add_county(user: User, code: str, name: str, aliases=(), old_codes=(), prefecture: str | None = None,
               source: str | None = None, ip: str | None = None) -> int:
    """Add a county (6-digit GB/T 2260 code of Sichuan, 51…; its name; optional aliases and old
    codes, as lists or as one text separated by ; , or 、; prefecture and where it is
    documented). A code already in the list is refused."""
    _require(user)
    code = (normalize.clean_scalar(code) or "")
    if not _CODE.match(code):
        raise AccountError("db.counties.bad_code", code=code)
    sichuan = reference.helped_counties_file()["code"].str[:2].iloc[0]
    olds = _codes(old_codes)
    if code[:2] != sichuan or any(c[:2] != sichuan for c in olds):
        raise AccountError("db.counties.not_sichuan", code=code)
    name = normalize.clean_scalar(name) or ""
    if not name or len(name) > 64:
        raise AccountError("db.counties.bad_name")
    if code in set(reference.helped_counties_file()["code"]):
        raise AccountError("db.counties.in_file", code=code)
    values = dict(code=code, name=name, aliases=";".join(_names(aliases))[:255], old_codes=";".join(olds)[:64],
                  prefecture=(normalize.clean_scalar(prefecture) or "")[:64],
                  source=(normalize.clean_scalar(source) or "")[:255])
    with transaction() as conn:
        exists = conn.execute(select(helped_counties.c.id).where(helped_counties.c.code == code,
                                                                 helped_counties.c.removed_at.is_(None))).first()
        if exists is not None:
            raise AccountError("db.counties.exists", code=code)
        cid = conn.execute(insert(helped_counties).values(added_by=user.name, added_at=utcnow(), **values)
                           .returning(helped_counties.c.id)).scalar_one()
        audit.record(conn, "county_add", actor=user.name, target=f"{code} {name}", ip=ip, **values)
    load_into_reference()
    return cid


def remove_county(user: User, code: str, ip: str | None = None) -> None:
    """Take an addition off the list (kept in the database, marked, audited). The file's
    counties cannot be removed here."""
    _require(user)
    code = normalize.clean_scalar(code) or ""
    with transaction() as conn:
        row = conn.execute(select(helped_counties.c.id, helped_counties.c.name).where(
            helped_counties.c.code == code, helped_counties.c.removed_at.is_(None))).first()
        if row is None:
            raise AccountError("db.counties.not_added", code=code)
        conn.execute(update(helped_counties).where(helped_counties.c.id == row[0])
                     .values(removed_at=utcnow(), removed_by=user.name))
        audit.record(conn, "county_remove", actor=user.name, target=f"{code} {row[1]}", ip=ip, code=code)
    load_into_reference()


def all_counties() -> pd.DataFrame:
    """The whole list as the roster uses it: the file's counties (origin "file") and the
    additions (origin "admin", with who added them and when)."""
    file = reference.helped_counties_file().assign(origin="file", added_by="", added_at=pd.NaT)
    extra = added().drop(columns="id").assign(origin="admin", paired_with_shaoxing="")
    return pd.concat([file, extra], ignore_index=True)
