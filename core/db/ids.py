"""How ID numbers are kept: a keyed hash to recognise a person, a masked form to show.

``person_key`` = HMAC-SHA256(secret key, normalised 18-character number), hex. Without the key
the hash cannot be reversed by trying every possible number (there are only ~10^11 plausible
ones, so a plain hash would not protect them). ``mask`` keeps the region code and the last four
characters: 513226********123X. See docs/DATA_PROTECTION.md.
"""
from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd

from core import idnumber
from core.db import config


def _normalise(ids: pd.Series) -> pd.Series:
    """The roster's normalisation (core.idnumber.normalise): "513226 19900101 0015", full-width
    digits and a lower-case x give the key of the number as written plainly."""
    return idnumber.normalise(ids)


def person_keys(ids: pd.Series, key: bytes | None = None) -> pd.Series:
    """Keyed hash of each ID number (NA stays NA); computed once per distinct number."""
    key = config.id_key() if key is None else key
    norm = _normalise(ids)
    codes, uniques = pd.factorize(norm, use_na_sentinel=True)
    digests = np.array([hmac.new(key, u.encode("utf-8"), hashlib.sha256).hexdigest() for u in uniques] + [None],
                       dtype=object)
    out = digests[np.where(codes < 0, len(uniques), codes)]
    return pd.Series(out, index=ids.index, dtype="string")


def person_key(id_number: str, key: bytes | None = None) -> str:
    return str(person_keys(pd.Series([id_number]), key).iloc[0])


def masked(ids: pd.Series) -> pd.Series:
    """513226********123X: region code and last four characters (shorter values: all stars)."""
    norm = _normalise(ids)
    n = norm.str.len()
    out = norm.str[:6] + "********" + norm.str[-4:]
    return out.where(n >= 10, norm.str.replace(r".", "*", regex=True))
