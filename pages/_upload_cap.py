"""Uploads a session may hold in the server's memory.

Streamlit keeps every file sent to ``/_stcore/upload_file/<session>/<file id>`` in memory
(``MemoryUploadedFileManager``) until the session ends. Its only checks are that the session is
live and the file within ``server.maxUploadSize``: any visitor's session will do (the public
self-check has no uploader, but its session is live), the file ids are the sender's to choose,
and a file no widget asks for is never let go. One visitor could so fill the server's memory
with 50 MB files from a single tab.

:func:`cap` makes a session hold at most ``MAX_SESSION_FILES`` files and ``MAX_SESSION_BYTES``
bytes: after each upload the session's oldest files go first (the file just sent always stays).
A page takes at most two files at once (the dashboard: a roster and a fairs table), and
Streamlit's uploader deletes the file it replaces, so an officer never loses the file on screen.
All sessions of a server process together hold at most ``SHAOXING_UPLOADS_MAX_MB`` (1024 MB):
an upload beyond it is refused with 503 (Streamlit's uploader marks the file failed; its tooltip,
in English from Streamlit, says so in Chinese through ``pages/_chrome.py``: ``chrome.upload_busy``), so many
tabs cannot do together what one cannot. :func:`install` puts it on the running server's manager once per process (streamlit_app.py
calls it on every run; the public ``add_file`` and ``remove_file`` only, wrapped on the instance).
"""
from __future__ import annotations

import logging
import os

from pages._common import MAX_UPLOAD_MB

log = logging.getLogger("shaoxing.pages")

#: files one session may hold (the dashboard's two uploaders, and room for a replacement in flight)
MAX_SESSION_FILES = 4
#: bytes one session may hold: two uploads of the largest size the pages take, and some room
MAX_SESSION_BYTES = (2 * MAX_UPLOAD_MB + 4) << 20
#: bytes all sessions of this server process may hold together (``SHAOXING_UPLOADS_MAX_MB``)
DEFAULT_TOTAL_MB = 1024


def total_limit() -> int:
    """Bytes of uploads all sessions of the process may hold together."""
    raw = os.environ.get("SHAOXING_UPLOADS_MAX_MB", "")
    try:
        mb = int(raw) if raw else DEFAULT_TOTAL_MB
    except ValueError:
        log.warning("SHAOXING_UPLOADS_MAX_MB=%r is not a number; %s used", raw, DEFAULT_TOTAL_MB)
        mb = DEFAULT_TOTAL_MB
    return (mb if mb > 0 else DEFAULT_TOTAL_MB) << 20


def _held(manager) -> int:
    return sum(len(rec.data) for files in list(manager.file_storage.values()) for rec in list(files.values()))


def cap(manager) -> None:
    """Hold each session of ``manager`` (Streamlit's uploaded-file manager) to the limits above."""
    if getattr(manager.add_file, "upload_cap", False):
        return
    original = manager.add_file

    def add_file(session_id, file):
        replaced = (manager.file_storage.get(session_id) or {}).get(file.file_id)
        if _held(manager) - (len(replaced.data) if replaced else 0) + len(file.data) > total_limit():
            # every session together holds the process's share: refused (the uploader says the
            # upload failed), never a file another session holds
            from starlette.exceptions import HTTPException

            log.warning("uploads held by all sessions reached %d MB: a file of %d bytes of session %s refused",
                        total_limit() >> 20, len(file.data), session_id)
            raise HTTPException(status_code=503, detail="Server busy")
        original(session_id, file)
        storage = manager.file_storage.get(session_id) or {}
        held = list(storage.items())     # oldest first (a dict keeps the order files came in)
        files, size = len(held), sum(len(rec.data) for _, rec in held)
        for file_id, rec in held:
            if files <= MAX_SESSION_FILES and size <= MAX_SESSION_BYTES:
                break
            if file_id == file.file_id:
                continue
            manager.remove_file(session_id, file_id)
            files, size = files - 1, size - len(rec.data)
            log.warning("session %s holds too many uploads: file %s (%d bytes) let go", session_id, file_id,
                        len(rec.data))

    add_file.upload_cap = True
    manager.add_file = add_file


def install() -> None:
    """:func:`cap` on the running server's uploaded-file manager (nothing outside a server)."""
    try:
        from streamlit.runtime import Runtime

        if Runtime.exists():
            cap(Runtime.instance().uploaded_file_mgr)
    except Exception:   # a Streamlit that no longer has these names: the server runs as before
        log.exception("the upload limit per session could not be installed")
