"""Where the database and the ID key live, read from the environment.

- ``DATABASE_URL``: a PostgreSQL URL (``postgresql://…``; ``postgres://`` and plain
  ``postgresql://`` are read as psycopg 3). When unset, an SQLite file is used.
- ``SHAOXING_DB_PATH``: the SQLite file (default ``var/shaoxing.db`` under the project root).
- ``SHAOXING_ID_KEY``: the secret key for the keyed hash of ID numbers (hex or any text). Required
  with PostgreSQL unless ``SHAOXING_ID_KEY_FILE`` names a key file (several servers share one key).
- ``SHAOXING_ID_KEY_FILE``: the key file; else ``SHAOXING_KEY_DIR``/id_key; else (SQLite only)
  ``$XDG_CONFIG_HOME/shaoxing-subsidy/id_key`` (``~/.config/…``): never beside the database, so
  a copy of the database or of its folder does not carry the key. Created on first use, random,
  readable by its owner only; a key left beside the database by an older version is moved there.
- ``SHAOXING_SESSION_MINUTES``: idle minutes before a login expires (default 30);
  ``SHAOXING_SESSION_SECONDS``, when set, gives it in seconds instead (tests, short demonstrations).
- ``SHAOXING_SESSION_MAX_HOURS``: a login ends this many hours after sign-in even when active
  (default 12, a working day).
"""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from core.paths import ROOT

log = logging.getLogger("shaoxing.db")

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


class KeyConfigError(RuntimeError):
    """The ID key is not configured as the deployment needs (a sentence for the operator)."""


def key_dir() -> Path:
    raw = os.environ.get("SHAOXING_KEY_DIR", "").strip()
    if raw:
        return Path(raw).expanduser().resolve()
    config_home = os.environ.get("XDG_CONFIG_HOME", "").strip() or str(Path.home() / ".config")
    return Path(config_home).expanduser().resolve() / "shaoxing-subsidy"


def key_file() -> Path:
    """Where the ID key file is: SHAOXING_ID_KEY_FILE, else id_key in ``key_dir()``."""
    raw = os.environ.get("SHAOXING_ID_KEY_FILE", "").strip()
    if raw:
        return Path(raw).expanduser().resolve()
    if os.environ.get("DATABASE_URL", "").strip() and not os.environ.get("SHAOXING_KEY_DIR", "").strip():
        raise KeyConfigError("With DATABASE_URL (PostgreSQL), set SHAOXING_ID_KEY (or SHAOXING_ID_KEY_FILE / "
                             "SHAOXING_KEY_DIR): every server must use the same ID key, kept apart from the data.")
    return key_dir() / "id_key"


def legacy_key_file() -> Path | None:
    """Where an older version kept the key for this configuration: beside the SQLite file (or in
    var/ with PostgreSQL) when no key file was named; None when one is named (that file it is)."""
    if os.environ.get("SHAOXING_ID_KEY_FILE", "").strip():
        return None
    if os.environ.get("DATABASE_URL", "").strip():
        return DEFAULT_DIR / "id_key"
    return sqlite_path().parent / "id_key"


def private_file(path: Path) -> None:
    """Make an existing file readable by its owner only (0600); a file we do not own is left."""
    try:
        if path.exists() and path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
    except OSError:
        log.warning("could not make %s private (0600)", path)


def _write_new(path: Path, text: str) -> None:
    """Create ``path`` atomically with mode 0600 holding ``text``; a concurrent first writer wins."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)
    try:
        os.link(tmp, path)          # atomic: a concurrent first run keeps the key that won
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def id_key() -> bytes:
    """The secret of the keyed ID hash: from the environment, else from (or into) the key file."""
    raw = os.environ.get("SHAOXING_ID_KEY", "").strip()
    if raw:
        return raw.encode("utf-8")
    path = key_file()
    if not path.exists():
        legacy = legacy_key_file()
        if legacy is not None and legacy.exists() and legacy.resolve() != path:      # an older version's key beside the data: the same key, moved apart
            _write_new(path, legacy.read_text(encoding="ascii").strip())
            legacy.unlink()
            log.warning("the ID key was moved from %s to %s (kept apart from the database)", legacy, path)
        else:
            _write_new(path, secrets.token_hex(32))
    private_file(path)
    key = path.read_text(encoding="ascii").strip()
    if not key:
        raise RuntimeError(f"ID key file {path} is empty")
    return key.encode("utf-8")


def session_minutes() -> int:
    try:
        return max(1, int(os.environ.get("SHAOXING_SESSION_MINUTES", "30")))
    except ValueError:
        return 30


def session_seconds() -> float:
    """Idle seconds before a login expires: SHAOXING_SESSION_SECONDS, else the minutes."""
    raw = os.environ.get("SHAOXING_SESSION_SECONDS", "").strip()
    if raw:
        try:
            return max(1.0, float(raw))
        except ValueError:
            log.warning("SHAOXING_SESSION_SECONDS=%r is not a number; using the minutes", raw)
    return session_minutes() * 60.0


def session_max_seconds() -> float:
    """Seconds after sign-in a login ends however active (SHAOXING_SESSION_MAX_HOURS, default 12)."""
    try:
        hours = float(os.environ.get("SHAOXING_SESSION_MAX_HOURS", "12"))
    except ValueError:
        hours = 12.0
    return max(session_seconds(), hours * 3600.0)
