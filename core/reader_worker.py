"""A roster file from outside parsed where a failure cannot hurt the server.

:func:`read_isolated` runs the cheap checks of ``core.reader_limits`` in the calling process, then
parses the file in a child process started from a fork server that has the reader imported already
(``multiprocessing`` "forkserver": a child costs a fork, not a Python start). The child lowers its
own limits before it reads (RLIMIT_DATA for memory, RLIMIT_CPU for processor time); the parent
kills it when the wall time is up. The child sends back the :class:`~core.reader.RawRoster`
(pickled, its columns' Arrow buffers out of band in a file the parent maps) or the reader's
refusal. A crash, a
Rust panic, a limit or a timeout is one sentence for the user (``reader.worker_failed`` /
``reader.worker_limit``) and a log record with the details on the server.

Limits (environment): ``SHAOXING_READ_SECONDS`` (wall time, default 120; the CPU limit is the
same), ``SHAOXING_READ_MEMORY_MB`` (default 2048), ``SHAOXING_READ_PARALLEL`` (reading processes
of one server process at once, default 2: each may take the memory limit, so one user opening
many tabs cannot start them without end), ``SHAOXING_READ_QUEUE_SECONDS`` (how long a file waits
for a free one, default 60; then ``reader.busy``).
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
import pickle
import signal
import tempfile
import threading
import time
import traceback

from core.reader_base import RawRoster, RosterReadError

log = logging.getLogger(__name__)

DEFAULT_SECONDS = 120
DEFAULT_MEMORY_MB = 2048
DEFAULT_PARALLEL = 2
DEFAULT_QUEUE_SECONDS = 60.0

_context = None
_context_lock = threading.Lock()
_starting = threading.local()     # set while this thread starts a reading process


def _preparation_without_main(original):
    """``multiprocessing.spawn.get_preparation_data`` that leaves out the parent's ``__main__``
    for the reading process: a new process otherwise runs the parent's main script again as
    ``__mp_main__``, and in a Streamlit server that is the page script of the session reading the
    file (Streamlit installs each run's script as ``__main__``): the app's pages, run again in
    bare mode in every child, slow and able to fail. The child needs only ``core.reader_worker``.
    Other users of multiprocessing in the process are not affected (a flag of this thread)."""
    def get_preparation_data(name):
        data = original(name)
        if getattr(_starting, "reader", False):
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data
    get_preparation_data.reader_worker = True
    return get_preparation_data


def _install_preparation() -> None:
    from multiprocessing import spawn

    if not getattr(spawn.get_preparation_data, "reader_worker", False):
        spawn.get_preparation_data = _preparation_without_main(spawn.get_preparation_data)


def limits() -> tuple[float, int]:
    """(seconds, memory in MB) from the environment, or the defaults."""
    return (_env_number("SHAOXING_READ_SECONDS", DEFAULT_SECONDS, float),
            _env_number("SHAOXING_READ_MEMORY_MB", DEFAULT_MEMORY_MB, int))


def _env_number(name: str, default, kind):
    try:
        value = kind(os.environ.get(name, default))
    except ValueError:
        log.warning("%s=%r is not a number; %s used", name, os.environ.get(name), default)
        return default
    return value if value > 0 else default


def parallel() -> int:
    """Reading processes this server process runs at once (``SHAOXING_READ_PARALLEL``)."""
    return _env_number("SHAOXING_READ_PARALLEL", DEFAULT_PARALLEL, int)


_slots = None


def _reading_slots() -> threading.BoundedSemaphore:
    global _slots
    with _context_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(parallel())
        return _slots


def _mp_context():
    """The fork server (the reader imported once in it), or "spawn" where there is none."""
    global _context
    with _context_lock:
        if _context is None:
            if "forkserver" in mp.get_all_start_methods():
                ctx = mp.get_context("forkserver")
                ctx.set_forkserver_preload(["core.reader_worker", "core.reader", *_READER_LIBRARIES])
            else:
                ctx = mp.get_context("spawn")
            _install_preparation()
            _context = ctx
        return _context


def _set_limits(seconds: float, memory_mb: int) -> None:
    import resource

    cpu = max(1, int(seconds) + 1)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    # RLIMIT_DATA (heap, anonymous mappings, thread stacks; Linux 4.7+) rather than RLIMIT_AS,
    # which also counts the address space that allocators reserve without using
    # the whole data segment, what the fork server already holds included: nothing the reader
    # imports may start a thread pool at import (its reserved address space would count here;
    # tests/test_reader_hostile.py checks the fork server's share stays small)
    mem = memory_mb << 20
    resource.setrlimit(resource.RLIMIT_DATA, (mem, mem))


_ALIGN = 64


def _dump(message, result_path: str) -> bytes:
    """The child's report: pickled (protocol 5) with the buffers of the roster's columns written
    out of band to ``result_path``, which the parent maps instead of reading a copy through the
    pipe (a 1,000,000-row roster is some 240 MB of Arrow buffers)."""
    started = time.perf_counter()
    buffers: list = []
    head = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    layout, offset = [], 0
    with open(result_path, "r+b") as f:
        for b in buffers:
            raw = b.raw()
            f.seek(offset)
            f.write(raw)
            layout.append((offset, raw.nbytes))
            offset += -(-raw.nbytes // _ALIGN) * _ALIGN or _ALIGN
    return pickle.dumps((head, layout, time.perf_counter() - started), protocol=5)


def _plain(message) -> bytes:
    """A report with nothing out of band (a failure)."""
    return pickle.dumps((pickle.dumps(message), [], 0.0))


def _load(report: bytes, result_path: str):
    """The child's report back: the roster's buffers are views of ``result_path`` mapped
    copy-on-write (no copy is made unless a column is changed)."""
    import mmap

    head, layout, seconds = pickle.loads(report)
    log.debug("the reading process wrote its report in %.2f s", seconds)
    if not layout:
        return pickle.loads(head)
    with open(result_path, "rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
    view = memoryview(mapped)
    return pickle.loads(head, buffers=[view[o:o + n] for o, n in layout])


def _peak_mb() -> float:
    try:
        import resource
    except ImportError:
        return float("nan")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def first_sheet(data: bytes, filename: str):
    """The first sheet of a workbook, or a CSV (UTF-8, UTF-16 with its BOM, GBK), as a frame of
    texts, for tables other than rosters (recruitment fairs); the kind is told from the content,
    not the file's name. RosterReadError when it cannot be read."""
    import io

    import pandas as pd

    from core.reader import _OLE_MAGIC, _XLSX_MAGIC
    from core.reader_workbook import is_panic

    try:
        if data.startswith((_XLSX_MAGIC, _OLE_MAGIC)):
            return pd.read_excel(io.BytesIO(data), dtype=str, engine="calamine")
        return _csv_table(data)
    except RosterReadError:
        raise
    except BaseException as exc:
        if not (isinstance(exc, Exception) or is_panic(exc)):
            raise
        raise RosterReadError("unreadable", name=filename) from exc


def _csv_table(data: bytes):
    """A CSV table of texts (not a roster: no header search), for :func:`first_sheet`."""
    import codecs
    import io

    import pandas as pd

    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
        body = data[2:]
    else:
        if b"\x00" in data:     # a binary file (an image named .csv), not text
            raise RosterReadError("not_table")
        encodings = ("utf-8-sig", "gb18030")
        body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    if not body.strip(b" \t\r\n\x00"):
        raise RosterReadError("empty")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return pd.read_csv(io.StringIO(text), dtype=str, skip_blank_lines=False)
    raise RosterReadError("not_table")


_TASKS = {"roster": ("core.reader", "parse"), "sheet": ("core.reader_worker", "first_sheet"),
          "province": ("core.reader", "parse_province_list")}
_READER_LIBRARIES = ("core.reader_csv", "core.reader_workbook", "python_calamine", "olefile")


def _child(conn, source: str, filename: str, seconds: float, memory_mb: int, stderr_path: str,
           result_path: str, task: str = "roster") -> None:
    """In the child: read the file and send ("ok", roster) / ("refused", key, fmt, detail) /
    ("limit", what) / ("failed", text). What the child writes to standard error (a Rust panic's
    message) goes to ``stderr_path``, which the parent logs when the child failed."""
    try:
        try:
            fd = os.open(stderr_path, os.O_WRONLY | os.O_APPEND)
            os.dup2(fd, 2)
            os.close(fd)
        except OSError:
            pass
        import importlib

        # the code that reads, and the libraries it loads (python-calamine's shared object), are
        # in place before the limits: a limit stops reading, not loading the reader
        module, name = _TASKS[task]
        parse = getattr(importlib.import_module(module), name)
        for library in _READER_LIBRARIES:
            importlib.import_module(library)
        try:
            _set_limits(seconds, memory_mb)
        except (ImportError, ValueError, OSError):   # no resource module (Windows): the wall time still holds
            pass
        try:
            with open(source, "rb") as f:
                data = f.read()
            started = time.perf_counter()
            roster = parse(data, filename)
            message = ("ok", roster, time.perf_counter() - started, _peak_mb())
        except RosterReadError as exc:
            cause = exc.__cause__
            if isinstance(cause, MemoryError) or "Resource temporarily unavailable" in str(cause):
                # also pyarrow's ArrowMemoryError, and its threads that cannot start under the limit
                message = ("limit", repr(cause))
            else:
                detail = "".join(traceback.format_exception(cause)) if cause is not None else ""
                message = ("refused", exc.key, exc.fmt, detail)
        except MemoryError as exc:
            message = ("limit", repr(exc))
        try:
            report = _dump(message, result_path)
        except MemoryError as exc:
            report = _plain(("limit", repr(exc)))
        conn.send_bytes(report)
    except BaseException:   # even a panic outside the reader's own handling: a report, not silence
        try:
            conn.send_bytes(_plain(("failed", traceback.format_exc())))
        except BaseException:
            pass
    finally:
        conn.close()


def read_sheet_isolated(data: bytes, filename: str, **limits):
    """The first sheet of a workbook from outside (not a roster: a table of recruitment fairs) as
    a frame of texts, read like a roster in a child process under the same checks and limits."""
    return read_isolated(data, filename, task="sheet", **limits)


def read_isolated(data: bytes, filename: str, seconds: float | None = None,
                  memory_mb: int | None = None, task: str = "roster") -> RawRoster:
    """The roster in ``data`` (``task="sheet"``: the first sheet of a workbook as a frame),
    parsed in a child process; RosterReadError as ``read_roster``."""
    from core.reader import ROSTER_SHEET
    from core.reader_limits import precheck

    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    env_seconds, env_memory = limits()
    seconds, memory_mb = seconds or env_seconds, memory_mb or env_memory
    try:
        precheck(data, ROSTER_SHEET if task in ("roster", "province") else None)
    except RosterReadError:
        raise
    except Exception:   # a first line only: the child reads the file under its limits anyway
        log.exception("roster pre-check failed on %r", filename)
    if not data or data.isspace():
        raise RosterReadError("empty")

    slots = _reading_slots()
    queue = _env_number("SHAOXING_READ_QUEUE_SECONDS", DEFAULT_QUEUE_SECONDS, float)
    if not slots.acquire(timeout=queue):
        log.warning("roster %r: every reading process stayed busy for %.0f s (%d at once); refused as busy",
                    filename, queue, parallel())
        raise RosterReadError("busy")
    try:
        return _run(data, filename, seconds, memory_mb, task)
    except RosterReadError:
        raise
    except Exception:   # no process could be started, no temporary file written ...: one sentence
        log.exception("roster %r: the reading process could not be run", filename)
        raise RosterReadError("worker_failed", name=filename) from None
    finally:
        slots.release()


def _folder(size: int) -> str | None:
    """Where the file and the roster are handed over: /dev/shm (memory) when it has room for
    them (a container's is often 64 MB), else the temporary folder."""
    try:
        st = os.statvfs("/dev/shm")
    except (OSError, AttributeError):
        return None
    free = st.f_bavail * st.f_frsize
    return "/dev/shm" if free > 8 * size + (256 << 20) and os.access("/dev/shm", os.W_OK) else None


def _run(data: bytes, filename: str, seconds: float, memory_mb: int, task: str) -> RawRoster:
    ctx = _mp_context()
    # the file goes to the child as a temporary file: no pickling of the bytes through the fork
    # server's pipe
    folder = _folder(len(data))
    source = tempfile.NamedTemporaryFile(prefix="roster-in-", dir=folder)
    result = tempfile.NamedTemporaryFile(prefix="roster-out-", dir=folder)
    errors = tempfile.NamedTemporaryFile(prefix="roster-read-", suffix=".log")
    source.write(data)
    source.flush()
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, source.name, filename, seconds, memory_mb, errors.name,
                                            result.name, task), daemon=True)
    start = time.monotonic()
    message = None
    try:
        _starting.reader = True
        try:
            proc.start()
        finally:
            _starting.reader = False
        send.close()
        if receive.poll(seconds):
            try:
                message = _load(receive.recv_bytes(), result.name)
            except Exception:   # the child died before it said all, or said it wrong
                log.exception("roster %r: the reading process's report cannot be read", filename)
                message = None
        if message is None:   # it died, or is still running at the time limit: its exit code
            proc.join(1.0)
    finally:
        # after its report the child has nothing left to do: not waited for while it frees memory
        if proc.is_alive():
            proc.kill()
            proc.join()
        receive.close()
        send.close()
        source.close()
        result.close()   # a roster mapped from it keeps its pages until the roster is gone
        stderr = errors.read(3000).decode("utf-8", "replace")
        errors.close()
    return _outcome(message, proc.exitcode, filename, seconds, memory_mb, time.monotonic() - start, stderr)


def _outcome(message, exitcode, filename: str, seconds: float, memory_mb: int, elapsed: float,
             stderr: str) -> RawRoster:
    if message is not None and message[0] == "ok":
        _, roster, parse_seconds, peak_mb = message
        log.info("%r read in a separate process: parsed in %.2f s of %.2f s, peak %.0f MB",
                 filename, parse_seconds, elapsed, peak_mb)
        if isinstance(roster, RawRoster):
            roster.frame.attrs["reader_issues"] = roster.issues
        return roster
    if message is not None and message[0] == "refused":
        _, key, fmt, detail = message
        if detail:   # an unexpected failure inside the reader: the user gets its sentence, the log the cause
            log.warning("roster %r refused (%s) after an unexpected error:\n%s%s", filename, key, detail, stderr)
        raise RosterReadError(key, **fmt)
    limit = _hit_limit(message, exitcode, elapsed, seconds)
    if limit:
        log.warning("roster %r: the reading process hit a limit (%s; exit code %s, %.1f s, limits %s s, %s MB)\n%s",
                    filename, limit, exitcode, elapsed, seconds, memory_mb, stderr)
        raise RosterReadError("worker_limit", name=filename, seconds=f"{seconds:g}", mb=memory_mb)
    log.error("roster %r: the reading process failed (exit code %s, %.1f s): %s\n%s",
              filename, exitcode, elapsed, message[1] if message else "no report", stderr)
    raise RosterReadError("worker_failed", name=filename)


def _hit_limit(message, exitcode, elapsed: float, seconds: float) -> str | None:
    if message is not None and message[0] == "limit":
        return message[1]
    if elapsed >= seconds:
        return "wall time"
    if exitcode is not None and exitcode < 0 and -exitcode in (signal.SIGXCPU, signal.SIGKILL):
        return signal.Signals(-exitcode).name
    return None
