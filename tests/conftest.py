"""Suite-wide: the tests never touch the developer's own database. Before any test module is
imported, the storage settings point into a temporary directory removed at the end; tests that
need a database of their own (tests/db_conftest_helpers.py, the e2e server) set their own."""
from __future__ import annotations

import os
import shutil
import tempfile

_TMP: str | None = None


def pytest_configure(config):
    global _TMP
    _TMP = tempfile.mkdtemp(prefix="shaoxing-tests-")
    os.environ.pop("DATABASE_URL", None)
    os.environ["SHAOXING_DB_PATH"] = os.path.join(_TMP, "shaoxing.db")
    os.environ["SHAOXING_ID_KEY_FILE"] = os.path.join(_TMP, "id.key")


def pytest_unconfigure(config):
    if _TMP:
        shutil.rmtree(_TMP, ignore_errors=True)
