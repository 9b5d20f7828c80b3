"""How ID numbers are kept: a keyed hash to recognise a person, a masked form to show.

``person_key`` = HMAC-SHA256(secret key, normalised 18-character number), hex. Without the key
the hash cannot be reversed by trying every possible number (there are only ~10^11 plausible
ones, so a plain hash would not protect them). ``mask`` keeps the region code and the last four
characters: 51**************3X (the province, which the database keeps anyway as
``home_province_code``, and the last two characters). See docs/DATA_PROTECTION.md.
"""
from __future__ import annotations

import hashlib
import hmac
import threading
import weakref

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core import idnumber
from core.db import config
from core.normalize import _string_series


def _normalise(ids: pd.Series) -> pd.Series:
    """The roster's normalisation (core.idnumber.normalise): "513226 19900101 0015", full-width
    digits and a lower-case x give the key of the number as written plainly."""
    return idnumber.normalise(ids)


def person_keys(ids: pd.Series, key: bytes | None = None, normalised: bool = False) -> pd.Series:
    """Keyed hash of each ID number (NA stays NA); computed once per distinct number.
    ``normalised``: ``ids`` are already ``core.idnumber.normalise``'s output (not done again)."""
    key = config.id_key() if key is None else key
    norm = ids if normalised else _normalise(ids)
    codes, uniques = pd.factorize(norm, use_na_sentinel=True)
    # the distinct numbers as plain str first (iterating an Arrow-backed array makes a scalar
    # per element), then the one-shot HMAC: the same digests, a fraction of the time
    plain = np.asarray(uniques, dtype=object).tolist()
    digests = np.array([hmac.digest(key, u.encode("utf-8"), "sha256").hex() for u in plain] + [None], dtype=object)
    out = digests[np.where(codes < 0, len(uniques), codes)]
    return pd.Series(out, index=ids.index, dtype="string")


def keyed_and_masked(ids: pd.Series, key: bytes | None = None) -> tuple[pd.Series, pd.Series]:
    """(:func:`person_keys`, :func:`masked`) of the same numbers, normalised once."""
    norm = _normalise(ids)
    return person_keys(norm, key, normalised=True), masked(norm, normalised=True)


# keys and masks of a result frame's ID numbers, kept while that frame lives: the roster page shows
# a result as storing would keep it (core.db.uploads.as_stored), then the officer saves the same
# result (store_upload); the keys are not worked out twice (0.8 s per 100,000 rows)
_FRAMES: dict[int, tuple] = {}
_FRAMES_LOCK = threading.Lock()


def frame_keys(frame: pd.DataFrame, key: bytes | None = None) -> tuple[pd.Series, pd.Series]:
    """:func:`keyed_and_masked` of ``frame["id_number"]``, worked out once per frame object (and
    secret key) while the frame lives. The frame's ID numbers must not change in place after
    (results are never changed in place: columns are replaced on copies)."""
    key = config.id_key() if key is None else key
    tag = hashlib.sha256(key).digest()
    ident = id(frame)
    with _FRAMES_LOCK:
        hit = _FRAMES.get(ident)
    if hit is not None and hit[0]() is frame and hit[1] == tag and len(hit[2]) == len(frame):
        return hit[2], hit[3]
    keys, masks = keyed_and_masked(frame["id_number"], key)

    def forget(_ref, ident=ident):
        with _FRAMES_LOCK:
            kept = _FRAMES.get(ident)
            if kept is not None and kept[0] is _ref:
                del _FRAMES[ident]
    with _FRAMES_LOCK:
        _FRAMES[ident] = (weakref.ref(frame, forget), tag, keys, masks)
    return keys, masks


def person_key(id_number: str, key: bytes | None = None) -> str:
    return str(person_keys(pd.Series([id_number]), key).iloc[0])


SHOWN_HEAD, SHOWN_TAIL = 2, 2


def masked(ids: pd.Series, normalised: bool = False) -> pd.Series:
    """51**************3X: the first two and the last two characters, stars between (as long as
    the number); a value shorter than 10 characters: all stars. The region code, the birth date
    and the sequence number are hidden (docs/DATA_PROTECTION.md says why these four). Whole
    Arrow columns (no Python string per row); ``normalised`` as in :func:`person_keys`."""
    norm = ids if normalised else _normalise(ids)
    arr = pa.array(norm.array, type=pa.large_string(), from_pandas=True) if len(norm) else \
        pa.array([], pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = pc.utf8_length(arr)
    long_ = pc.greater_equal(n, 10)
    hidden = pc.if_else(long_, pc.max_element_wise(pc.subtract(n, SHOWN_HEAD + SHOWN_TAIL), 0), n)
    stars = pc.binary_repeat(pa.scalar("*", pa.large_string()), hidden)
    shown = pc.binary_join_element_wise(pc.utf8_slice_codeunits(arr, 0, SHOWN_HEAD), stars,
                                        pc.utf8_slice_codeunits(arr, -SHOWN_TAIL),
                                        pa.scalar("", pa.large_string()))
    out = pc.if_else(long_, shown, stars)
    return _string_series(out, ids.index)
