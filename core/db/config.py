"""Where the database and the ID key live, read from the environment.

- ``DATABASE_URL``: a PostgreSQL URL (``postgresql://…``; ``postgres://`` and plain
  ``postgresql://`` are read as psycopg 3). When unset, an SQLite file is used.
- ``SHAOXING_DB_PATH``: the SQLite file (default ``var/shaoxing.db`` under the project root).
- ``SHAOXING_ID_KEY``: the secret key for the keyed hash of ID numbers (hex or any text). When unset,
  a random key is created on first use in ``SHAOXING_ID_KEY_FILE`` (default: ``id_key`` next to the
  SQLite file, or ``var/id_key`` with PostgreSQL), readable by its owner only.
- ``SHAOXING_SESSION_MINUTES``: idle minutes before a login expires (default 30).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from core.paths import ROOT

DEFAULT_DIR = ROOT / "var"


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return normalise_url(url)
    return f"sqlite:///{sqlite_path()}"


def configured() -> bool:
    """A database has been set up: a server by DATABASE_URL, or the SQLite file exists (asking
    must not create one)."""
    return bool(os.environ.get("DATABASE_URL", "").strip()) or sqlite_path().exists()


def normalise_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def sqlite_path() -> Path:
    raw = os.environ.get("SHAOXING_DB_PATH", "").strip()
    return Path(raw).expanduser().resolve() if raw else DEFAULT_DIR / "shaoxing.db"


def key_file() -> Path:
    raw = os.environ.get("SHAOXING_ID_KEY_FILE", "").strip()
    if raw:
        return Path(raw).expanduser().resolve()
    if os.environ.get("DATABASE_URL", "").strip():
        return DEFAULT_DIR / "id_key"
    return sqlite_path().parent / "id_key"


def id_key() -> bytes:
    """The secret of the keyed ID hash: from the environment, else from (or into) the key file."""
    raw = os.environ.get("SHAOXING_ID_KEY", "").strip()
    if raw:
        return raw.encode("utf-8")
    path = key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)          # atomic: a concurrent first run keeps the key that won
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = path.read_text(encoding="ascii").strip()
    if not key:
        raise RuntimeError(f"ID key file {path} is empty")
    return key.encode("utf-8")


def session_minutes() -> int:
    try:
        return max(1, int(os.environ.get("SHAOXING_SESSION_MINUTES", "30")))
    except ValueError:
        return 30
