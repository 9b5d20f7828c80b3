"""Streamlit keeps every file PUT to /_stcore/upload_file/<session>/<file id> in memory until the
session ends, for any live session, a visitor's of the public self-check too (no uploader on the
page is needed, and the file ids are the sender's to choose): a session holds at most a few
uploads, the oldest let go first (pages/_upload_cap.py)."""
from __future__ import annotations

import pytest

from pages import _upload_cap

st_testing = pytest.importorskip("streamlit.testing.v1")


def _manager():
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

    return MemoryUploadedFileManager("/_stcore/upload_file")


def _file(file_id: str, size: int):
    from streamlit.runtime.uploaded_file_manager import UploadedFileRec

    return UploadedFileRec(file_id=file_id, name=f"{file_id}.csv", type="text/csv", data=b"x" * size)


def test_a_session_cannot_pile_up_uploads_in_the_servers_memory(monkeypatch):
    monkeypatch.setattr(_upload_cap, "MAX_SESSION_BYTES", 10_000)
    mgr = _manager()
    _upload_cap.cap(mgr)
    for i in range(50):                                   # 50 files of one session, sent one after another
        mgr.add_file("attacker", _file(f"f{i}", 1000))
    kept = mgr.file_storage["attacker"]
    assert list(kept) == [f"f{i}" for i in range(50 - _upload_cap.MAX_SESSION_FILES, 50)]   # the newest
    for i in range(5):                                    # larger ones: held to the byte limit
        mgr.add_file("attacker", _file(f"big{i}", 4000))
    assert sum(len(f.data) for f in mgr.file_storage["attacker"].values()) <= 10_000
    assert "big4" in mgr.file_storage["attacker"]          # the file just sent is always kept
    mgr.add_file("officer", _file("roster", 3000))         # another session is not touched
    mgr.add_file("officer", _file("fairs", 3000))
    assert list(mgr.file_storage["officer"]) == ["roster", "fairs"]
    assert [f.file_id for f in mgr.get_files("officer", ["roster", "fairs"])] == ["roster", "fairs"]
    total = sum(len(f.data) for files in mgr.file_storage.values() for f in files.values())
    assert mgr._total_bytes == total                      # Streamlit's own count stays true


def test_a_replaced_upload_is_not_counted_twice():
    mgr = _manager()
    _upload_cap.cap(mgr)
    for _ in range(10):
        mgr.add_file("s", _file("same", 100))
    assert list(mgr.file_storage["s"]) == ["same"]


def test_the_limits_hold_the_largest_uploads_the_pages_take():
    from pages._common import MAX_UPLOAD_MB

    # the dashboard takes two files at once (a roster and a fairs table), each up to the limit
    assert _upload_cap.MAX_SESSION_FILES >= 2
    assert _upload_cap.MAX_SESSION_BYTES >= 2 * MAX_UPLOAD_MB << 20


def test_installed_once_on_the_running_server(monkeypatch):
    from streamlit.runtime import Runtime

    mgr = _manager()
    fake = type("R", (), {"uploaded_file_mgr": mgr})()
    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: True))
    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: fake))
    _upload_cap.install()
    wrapped = mgr.add_file
    _upload_cap.install()
    assert mgr.add_file is wrapped and getattr(wrapped, "upload_cap", False)


def test_the_app_installs_it_on_every_run(monkeypatch):
    from core.paths import ROOT

    calls = []
    monkeypatch.setattr(_upload_cap, "install", lambda: calls.append(1))
    at = st_testing.AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception and calls


def test_all_sessions_together_hold_at_most_the_servers_share(monkeypatch):
    """Many tabs each holding their share: a new upload beyond the server's total is refused
    (the uploader says it failed; the server keeps its memory), nothing held is dropped."""
    from starlette.exceptions import HTTPException

    monkeypatch.setenv("SHAOXING_UPLOADS_MAX_MB", "1")
    mgr = _manager()
    _upload_cap.cap(mgr)
    for s in range(4):
        mgr.add_file(f"tab{s}", _file("f", 200_000))
    with pytest.raises(HTTPException) as info:
        mgr.add_file("tab9", _file("f", 300_000))
    assert info.value.status_code == 503
    assert "tab9" not in mgr.file_storage or not mgr.file_storage["tab9"]
    assert sum(len(f.data) for files in mgr.file_storage.values() for f in files.values()) == 800_000
    mgr.add_file("tab0", _file("f", 200_000))         # the same file sent again takes no more room
    mgr.remove_file("tab1", "f")
    mgr.add_file("tab9", _file("f", 300_000))         # room again


def test_total_from_the_environment(monkeypatch):
    monkeypatch.setenv("SHAOXING_UPLOADS_MAX_MB", "x")
    assert _upload_cap.total_limit() == _upload_cap.DEFAULT_TOTAL_MB << 20
    monkeypatch.setenv("SHAOXING_UPLOADS_MAX_MB", "300")
    assert _upload_cap.total_limit() == 300 << 20
