"""What counts as the same upload: the rows read from a file and the scope of who stores it.

``dedup_key`` is what ``uploads.content_hash`` holds (unique among uploads not withdrawn, so two
simultaneous uploads of the same rows in the same scope store them once).
"""
from __future__ import annotations

import hashlib
import threading
import weakref

import numpy as np

from core.db.accounts import User, can

_DEDUP_VERSION = b"rows-v1"


# digests of the rows read, kept while what was read lives: the roster page shows a result as
# storing would keep it (core.db.uploads.as_stored), then the officer saves the same result; the
# digest (0.06 s per 100,000 rows) is not worked out twice. What was read is never changed in place.
_DIGESTS: dict[int, tuple] = {}
_DIGESTS_LOCK = threading.Lock()


def _rows_digest(result, content: bytes) -> bytes:
    """:func:`_digest_of_rows`, once per object read (see above); without what was read (a
    result made from a frame), SHA-256 of the bytes themselves."""
    raw = getattr(result, "raw", None)
    if raw is None:
        return hashlib.sha256(content).digest()
    ident = id(raw)
    with _DIGESTS_LOCK:
        hit = _DIGESTS.get(ident)
    if hit is not None and hit[0]() is raw:
        return hit[1]
    digest = _digest_of_rows(raw)

    def forget(ref, ident=ident):
        with _DIGESTS_LOCK:
            kept = _DIGESTS.get(ident)
            if kept is not None and kept[0] is ref:
                del _DIGESTS[ident]
    try:
        ref = weakref.ref(raw, forget)
    except TypeError:                   # an object that cannot be referred to weakly: not kept
        return digest
    with _DIGESTS_LOCK:
        _DIGESTS[ident] = (ref, digest)
    return digest


def _digest_of_rows(raw) -> bytes:
    """SHA-256 of the rows as read: each known column's cells (trimmed, blank for missing) and the
    Excel row numbers, so the same rows saved with other line ends, another encoding or as a
    workbook give the same digest. The officer's own extra columns (never stored) do not count."""
    import pyarrow as pa
    import pyarrow.compute as pc

    h = hashlib.sha256(_DEDUP_VERSION)
    h.update(np.asarray(raw.row_numbers, dtype="<i8").tobytes())
    from core.reference import columns

    frame = raw.frame
    for name in [c.field for c in columns() if c.field in frame.columns]:
        col = frame[name]
        arr = pa.array(col.astype("string"), from_pandas=True).cast(pa.large_string())
        arr = pc.fill_null(pc.utf8_trim_whitespace(arr), "")
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        offsets = np.frombuffer(arr.buffers()[1], dtype="<i8")[arr.offset:arr.offset + len(arr) + 1]
        h.update(b"\x00" + name.encode("utf-8") + b"\x00")
        h.update((offsets - offsets[0]).tobytes())          # the cell boundaries: no ambiguity
        if len(arr) and arr.buffers()[2] is not None:
            h.update(memoryview(arr.buffers()[2])[int(offsets[0]):int(offsets[-1])])
    return h.digest()


def dedup_scope(user: User) -> str:
    """Whose store an upload is: the district of a district officer, the city for city-wide roles."""
    return "city" if can(user, "all_districts") else f"district:{user.district or ''}"


def dedup_key(result, content: bytes, user: User) -> str:
    """The key of ``uploads.content_hash`` (unique among uploads not withdrawn): the rows as read
    AND the uploader's scope. 柯桥区 sending a city-wide file that 越城区 already stored keeps
    its own rows; the same rows with CRLF line ends are the same upload."""
    scope = dedup_scope(user).encode("utf-8")
    return hashlib.sha256(scope + b"\x00" + _rows_digest(result, content)).hexdigest()
