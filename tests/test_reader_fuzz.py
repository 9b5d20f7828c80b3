"""A bounded fuzz test of the reader: valid rosters (core.template's workbook and CSV, a BIFF8 .xls)
mutated by a seeded mutator, each read as the app reads an upload (``read_roster_isolated``,
limits of 30 s and 1.5 GB): every input gives a RawRoster or a RosterReadError, never an
exception of another kind, a hang or a dead server. The run stops after FUZZ_SECONDS (45 by
default) so that it stays within a minute in CI; FUZZ_SEED picks another sequence."""
from __future__ import annotations

import io
import os
import random
import time
import zipfile

import pytest

from core.reader import RawRoster, RosterReadError, read_roster_isolated
from core.template import template_bytes
from tests.test_reader import XLS_ROWS, build_xls, csv_text, simple_rows

SECONDS = float(os.environ.get("FUZZ_SECONDS", "45"))
SEED = int(os.environ.get("FUZZ_SEED", "2018"))
LIMIT_SECONDS, LIMIT_MB = 30, 1536

INTERESTING = [b"\x00", b"\xff", b"\"", b",", b"\r", b"\n", b"<", b">", b"&", b"\xef\xbb\xbf",
               b"9999999", b"-1", b"XFD1048576", b"\xd0\xcf\x11\xe0", b"PK\x03\x04", b"#N/A"]


def _mutate(data: bytes, rnd: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rnd.randint(1, 8)):
        op = rnd.randrange(6)
        at = rnd.randrange(len(b) + 1) if b else 0
        if op == 0 and b:                                  # flip bits
            b[min(at, len(b) - 1)] ^= 1 << rnd.randrange(8)
        elif op == 1:                                      # insert a token
            b[at:at] = rnd.choice(INTERESTING)
        elif op == 2 and b:                                # delete a run
            del b[at:at + rnd.randint(1, 64)]
        elif op == 3 and b:                                # duplicate a run
            b[at:at] = b[at:at + rnd.randint(1, 256)] * rnd.randint(1, 4)
        elif op == 4 and b:                                # truncate
            del b[rnd.randrange(len(b)):]
        else:                                              # random bytes
            b[at:at] = rnd.randbytes(rnd.randint(1, 16))
    return bytes(b)


def _mutate_xlsx_part(data: bytes, rnd: random.Random) -> bytes:
    """The same workbook with one of its XML parts mutated (and the zip still valid), so the
    mutation reaches the XML readers, not only the zip reader."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = [n for n in src.namelist() if n.endswith(".xml") or n.endswith(".rels")]
    target = rnd.choice(names)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            raw = src.read(info)
            z.writestr(info.filename, _mutate(raw, rnd) if info.filename == target else raw)
    return out.getvalue()


def _seeds() -> list[tuple[str, bytes]]:
    return [
        ("xlsx", template_bytes("xlsx")),
        ("csv", template_bytes("csv")),
        ("csv", csv_text(simple_rows(5)).encode("gbk")),
        ("csv", csv_text(simple_rows(5)).encode("utf-16")),
        ("xls", build_xls(XLS_ROWS)),
    ]


def test_mutated_rosters_give_a_roster_or_one_sentence():
    rnd = random.Random(SEED)
    seeds = _seeds()
    start, done, kinds = time.monotonic(), 0, {"roster": 0, "refused": 0}
    while time.monotonic() - start < SECONDS:
        kind, data = seeds[done % len(seeds)]
        mutated = _mutate_xlsx_part(data, rnd) if kind == "xlsx" and rnd.random() < 0.7 else _mutate(data, rnd)
        t = time.monotonic()
        try:
            got = read_roster_isolated(mutated, f"fuzz.{kind}", seconds=LIMIT_SECONDS, memory_mb=LIMIT_MB)
        except RosterReadError as exc:
            assert exc.message and "\n" not in exc.message and "Traceback" not in exc.message
            kinds["refused"] += 1
        except BaseException as exc:   # noqa: BLE001 - the point of the test
            pytest.fail(f"input {done} ({kind}, seed {SEED}) raised {type(exc).__name__}: {exc}")
        else:
            assert isinstance(got, RawRoster)
            kinds["roster"] += 1
        assert time.monotonic() - t < LIMIT_SECONDS + 5, f"input {done} took too long"
        done += 1
    assert done >= 20, f"only {done} inputs in {SECONDS} s"
    # the mutator leaves many files readable and makes many unreadable: both paths were taken
    assert kinds["roster"] > 0 and kinds["refused"] > 0, kinds
