"""One user cannot start reading processes without end: a server process runs at most
``SHAOXING_READ_PARALLEL`` of them at once (each may take its memory limit), a file that finds
every one busy waits its turn for a while, then gets one sentence, never a stack trace."""
from __future__ import annotations

import threading
import time

import pytest

from core import reader_worker
from core.i18n import t
from core.reader import RosterReadError, read_roster_isolated
from tests.test_validate import person, roster

DATA = roster([person(1)])


@pytest.fixture
def one_slot(monkeypatch):
    monkeypatch.setenv("SHAOXING_READ_PARALLEL", "1")
    monkeypatch.setenv("SHAOXING_READ_QUEUE_SECONDS", "0.5")
    monkeypatch.setattr(reader_worker, "_slots", None)     # made again from the environment
    yield
    monkeypatch.setattr(reader_worker, "_slots", None)


def test_at_most_the_set_number_of_reading_processes_run_at_once(one_slot, monkeypatch):
    monkeypatch.setenv("SHAOXING_READ_QUEUE_SECONDS", "60")
    running, most, lock = [0], [0], threading.Lock()
    real = reader_worker._run

    def counted(*args, **kwargs):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.3)
            return real(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(reader_worker, "_run", counted)
    out = []
    threads = [threading.Thread(target=lambda: out.append(len(read_roster_isolated(DATA, "r.csv").frame)))
               for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert out == [1, 1, 1] and most[0] == 1


def test_a_file_that_finds_every_reading_process_busy_gets_one_sentence(one_slot, caplog):
    slots = reader_worker._reading_slots()
    assert slots.acquire(timeout=1)            # another file is being read
    try:
        started = time.perf_counter()
        with pytest.raises(RosterReadError) as info:
            read_roster_isolated(DATA, "r.csv")
        assert info.value.key == "busy" and time.perf_counter() - started < 5
        assert info.value.text() == t("reader.busy")
        assert any("busy" in r.getMessage() for r in caplog.records)
    finally:
        slots.release()
    assert len(read_roster_isolated(DATA, "r.csv").frame) == 1       # free again: read


def test_a_refused_file_takes_no_slot(one_slot):
    slots = reader_worker._reading_slots()
    assert slots.acquire(timeout=1)
    try:     # the cheap checks refuse it before any reading process is asked for
        with pytest.raises(RosterReadError) as info:
            read_roster_isolated(b"a," * 1_000_000, "r.csv")
        assert info.value.key == "line_too_long"
    finally:
        slots.release()


def test_parallel_from_the_environment(monkeypatch):
    for value, expected in (("3", 3), ("0", reader_worker.DEFAULT_PARALLEL), ("x", reader_worker.DEFAULT_PARALLEL)):
        monkeypatch.setenv("SHAOXING_READ_PARALLEL", value)
        assert reader_worker.parallel() == expected
