"""Roster files as officers send them: bytes + file name -> :class:`RawRoster`.

The contract is ``shared/spec/ROSTER.md``. The reader only *reads*: every cell comes back as the
text it holds, under the canonical field name of its column, with the row number Excel shows.
Validation (stripping, full-width folding, parsing) is the validator's job; the cells the reader
finds wrong (a control character, a formula with no computed value) travel with the roster as
``RawRoster.issues`` and become row errors there.

The parts: ``core.reader_base`` (the result, headers, the common tail), ``core.reader_csv``,
``core.reader_workbook`` (+ ``core.reader_cells``), ``core.reader_limits`` (what a file may hold,
checked before parsing) and ``core.reader_worker`` (:func:`read_roster_isolated`: a file from
outside is parsed in a separate process with memory and time limits, so that no file can stop
the server).
"""
from __future__ import annotations

import logging
from pathlib import Path

from core.reader_base import (  # noqa: F401  (the reader's public names)
    HEADER_SEARCH_ROWS, RawRoster, RosterReadError, header_map, normalise_header,
)
from core.reader_csv import HEAD_BYTES  # noqa: F401

#: sheet read first when a workbook has it
ROSTER_SHEET = "名单"

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def file_bytes(path) -> bytes:
    """The bytes of a roster file named on the command line: a regular file only (a FIFO would
    block, /dev/zero never ends, a folder is not a file)."""
    import os
    import stat

    p = Path(path)
    try:
        st = os.stat(p)
    except OSError:
        raise RosterReadError("cannot_open", name=p.name) from None
    if not stat.S_ISREG(st.st_mode):
        raise RosterReadError("not_a_file", name=p.name)
    try:
        # O_NONBLOCK: should the path have become a FIFO since the check, opening it does not wait
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise RosterReadError("not_a_file", name=p.name)
            return f.read()
    except OSError:
        raise RosterReadError("cannot_open", name=p.name) from None


def read_roster_path(path) -> RawRoster:
    p = Path(path)
    return read_roster(file_bytes(p), p.name)


def read_roster(data: bytes, filename: str) -> RawRoster:
    """Read a roster file (.csv, .xlsx or .xls, detected from the content) in this process.

    A file from outside (an upload, a file named on the command line) is read with
    :func:`read_roster_isolated` instead."""
    from core.reader_limits import precheck

    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    try:
        precheck(data, ROSTER_SHEET)
    except RosterReadError:
        raise
    except Exception:   # the checks are a first line; the reader itself still refuses what it cannot read
        logging.getLogger(__name__).exception("roster pre-check failed on %r", filename)
    return parse(data, filename)


def read_roster_isolated(data: bytes, filename: str, **limits) -> RawRoster:
    """:func:`read_roster` in a separate process with memory, CPU and wall-time limits
    (``core.reader_worker``); ``limits``: ``seconds``, ``memory_mb`` overriding the defaults."""
    from core.reader_worker import read_isolated

    return read_isolated(data, filename, **limits)


def read_path_isolated(path) -> tuple[bytes, RawRoster]:
    """A roster file named on the command line: a regular file only (:func:`file_bytes`), parsed
    in a separate process with limits; (its bytes, the roster). Where no logging is set up, the
    reader's records (a crash's details) are not for the terminal: the one sentence is."""
    import logging

    if not logging.getLogger().handlers:
        logging.getLogger("core.reader_worker").addHandler(logging.NullHandler())
    p = Path(path)
    data = file_bytes(p)
    return data, read_roster_isolated(data, p.name)


#: the columns the province's list (扶贫劳务协作数据库) must have; the others are kept as they are
PROVINCE_LIST_FIELDS = ("name", "id_number", "home_province")


def parse_province_list(data: bytes, filename: str) -> RawRoster:
    """The province's list parsed like a roster that needs only :data:`PROVINCE_LIST_FIELDS`."""
    from core.reader_base import required_fields

    with required_fields(PROVINCE_LIST_FIELDS):
        return parse(data, filename)


def read_province_list_isolated(data: bytes, filename: str, **limits) -> RawRoster:
    """:func:`parse_province_list` in the reading process, with the roster's checks and limits."""
    from core.reader_worker import read_isolated

    return read_isolated(data, filename, task="province", **limits)


def parse(data: bytes, filename: str) -> RawRoster:
    """The file parsed, after :func:`core.reader_limits.precheck`."""
    from core.reader_csv import read_csv
    from core.reader_workbook import is_panic, read_workbook

    try:
        if not data or data.isspace():
            raise RosterReadError("empty")
        if data.startswith(_XLSX_MAGIC):
            return read_workbook(data, "xlsx", ROSTER_SHEET)
        if data.startswith(_OLE_MAGIC):
            if "EncryptedPackage".encode("utf-16-le") in data:   # an encrypted .xlsx
                raise RosterReadError("encrypted")
            return read_workbook(data, "xls", ROSTER_SHEET)
        return read_csv(data)
    except RosterReadError:
        raise
    except BaseException as exc:  # anything unexpected: one sentence, never a traceback
        if not (isinstance(exc, Exception) or is_panic(exc)):
            raise
        raise RosterReadError("unreadable", name=filename or "") from exc
