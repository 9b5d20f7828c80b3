"""Vectorized checking of identity numbers (GB 11643-1999; RULES.md "Identity numbers").

An 18-character number: 6-digit region code (GB/T 2260, where it was first issued), 8-digit birth
date, 3-digit sequence, check character. The whole column is checked at once on a byte matrix
(one row per number, 18 columns of ASCII bytes): no Python code runs per row.

Cells are normalised first: spaces anywhere are removed, full-width digits and letters folded
(NFKC), a lower-case x upper-cased. Each row gets a set of flags, one bit (``1 << code``) for every
check it fails (ROSTER.md: every reason found), and one error code, the first of its flags in the
order of the constants below.

An ID that Excel stored as a number is recognised in the forms Excel writes it: scientific
notation of any length (5.13226E+17, 5.13226199001011E+17), and an 18-digit number ending in
"000" whose check character fails (a cell formatted "0": Excel keeps 15 significant digits).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core import reference
from core.normalize import _STRIP, _string_series, _to_arrow

(OK, BLANK, FIFTEEN_DIGITS, SCIENTIFIC, BAD_FORMAT, BAD_REGION, BAD_BIRTH_DATE, FUTURE_BIRTH_DATE, BAD_CHECK,
 LOST_DIGITS) = range(10)

ERROR_KEYS: dict[int, str] = {
    OK: "values.id_ok",
    BLANK: "values.id_blank",
    FIFTEEN_DIGITS: "values.id_fifteen_digits",
    SCIENTIFIC: "values.id_scientific",
    BAD_FORMAT: "values.id_bad_format",
    BAD_REGION: "values.id_bad_region",
    BAD_BIRTH_DATE: "values.id_bad_birth_date",
    FUTURE_BIRTH_DATE: "values.id_future_birth_date",
    BAD_CHECK: "values.id_bad_check",
    LOST_DIGITS: "values.id_lost_digits",
}

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = "10X98765432"      # sum mod 11 -> check character
_CHECK_BYTES = np.frombuffer(CHECK_CHARS.encode("ascii"), dtype=np.uint8)
_ZERO, _X = ord("0"), ord("X")
# Oldest birth year accepted: the standard's own worked example is born in 1880.
_MIN_BIRTH_YEAR = 1800

# Excel's display of a long number: 5.13226E+17, 5.13226e17, 513226E+12 ...
_SCIENTIFIC_RE = r"^[0-9]+(\.[0-9]*)?[eE][+]?[0-9]+$"
_SPACES_RE = r"[\s\x{00a0}\x{3000}\x{200b}\x{feff}]+"


# the lowest flag of every set of flags: the error code of the row
_FIRST_FLAG = np.array([next((c for c in range(1, len(ERROR_KEYS)) if v >> c & 1), OK)
                        for v in range(1 << len(ERROR_KEYS))], dtype=np.int8)


@dataclass
class IdCheck:
    normalized: pd.Series   # 18 chars, upper-case X; spaces and full-width digits removed/folded; NA when blank
    error: np.ndarray       # int8 code per row: the first failing check (OK when none)
    flags: np.ndarray       # uint16 per row: bit ``1 << code`` for every failing check (0 when valid)
    province: pd.Series     # "51" etc from the region code (NA when unreadable)
    region: pd.Series       # 6-digit region code (NA when unreadable)
    birth_date: pd.Series   # datetime64[ns] (NaT when unreadable)
    person: np.ndarray      # int64 per row: a valid number's first 17 digits (they decide the check
                            # character, so equal numbers <=> equal integers); -1 unless valid


def check_character(first17: str) -> str:
    """The check character of the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"need 17 digits, got {first17!r}")
    total = sum(int(c) * int(w) for c, w in zip(first17, WEIGHTS))
    return CHECK_CHARS[total % 11]


def upgrade_15(id15: str) -> str:
    """The 18-character form of an old 15-digit number: "19" after the region code, check added."""
    id15 = id15.strip()
    if len(id15) != 15 or not id15.isascii() or not id15.isdigit():
        raise ValueError(f"need 15 digits, got {id15!r}")
    first17 = id15[:6] + "19" + id15[6:]
    return first17 + check_character(first17)


@lru_cache(maxsize=None)
def _known_provinces() -> np.ndarray:
    known = np.zeros(100, dtype=bool)
    known[reference.provinces()["code"].astype(int).to_numpy()] = True
    return known


def _any(mask: pa.Array) -> bool:
    return bool(pc.any(mask, skip_nulls=True).as_py())


def _normalise(arr: pa.Array) -> pa.Array:
    """Spaces removed anywhere, NFKC (full-width digits and letters), upper case. Each step runs
    only when some value needs it."""
    if not pc.all(pc.string_is_ascii(arr), skip_nulls=True).as_py():
        arr = pc.utf8_normalize(arr, "NFKC")
    arr = pc.utf8_trim(arr, _STRIP)
    if _any(pc.match_substring_regex(arr, _SPACES_RE)):
        arr = pc.replace_substring_regex(arr, _SPACES_RE, "")
    if not pc.all(pc.string_is_ascii(arr), skip_nulls=True).as_py():
        return pc.utf8_upper(arr)
    return pc.ascii_upper(arr)


def normalise(s: pd.Series) -> pd.Series:
    """Each ID number as the roster reads it (``check_ids(...).normalized``): spaces anywhere
    removed, full-width digits and letters folded, a lower-case x upper-cased; NA when blank.
    The one normalisation of ID numbers: a person's key (core.db.ids, love posts) is built on it."""
    arr = _to_arrow(s)
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    fixed = _normalise(arr) if len(arr) else arr
    empty = pc.fill_null(pc.equal(pc.binary_length(fixed), 0), False)
    fixed = pc.if_else(empty, pa.scalar(None, fixed.type), fixed)
    return _string_series(fixed, s.index)


def _buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, data bytes) of a large_string array."""
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    return offsets, data


def _columns(arr: pa.Array, rows: np.ndarray, width: int) -> np.ndarray:
    """The bytes of ``rows`` of ``arr`` (each ``width`` bytes long) as a (width, len(rows)) matrix:
    one line per character position, so that each position is one contiguous vector."""
    if len(rows) != len(arr):
        arr = arr.take(pa.array(rows))
    offsets, data = _buffers(arr)
    block = data[offsets[0]: offsets[-1]].reshape(len(rows), width)   # rows are now back to back
    return np.ascontiguousarray(block.T)


def _plain(cols: np.ndarray) -> np.ndarray:
    """Rows (columns of ``cols``) that are 17 digits and a digit or upper-case X."""
    digits = ((cols[:17] - _ZERO) <= 9).all(axis=0)   # uint8 wraps below "0"
    return digits & (((cols[17] - _ZERO) <= 9) | (cols[17] == _X))


def _keep(cols: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The rows (columns of ``cols``) where ``mask`` holds; ``np.compress`` is twice as fast as a
    boolean index along the second axis, and nothing is copied when every row is kept."""
    return cols if mask.all() else np.compress(mask, cols, axis=1)


def _digits_value(cols: np.ndarray) -> np.ndarray:
    """Digit lines (as bytes) read as one integer per row."""
    out = np.zeros(cols.shape[1], dtype=np.int64)
    for line in cols:
        out *= 10
        out += line
        out -= _ZERO
    return out


def _days(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Real calendar dates as datetime64[D], in integer arithmetic (H. Hinnant's days_from_civil:
    years counted from March, so that the leap day is the last of the year); twice as fast as
    numpy's conversions from years and months to days."""
    year = year - (month <= 2)
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return (era * 146_097 + day_of_era - 719_468).astype("datetime64[D]")


def _codes_to_strings(values: np.ndarray, ok: np.ndarray, width: int, index: pd.Index) -> pd.Series:
    """Integer codes (e.g. region 513226) as zero-padded text, NA where not ``ok``."""
    if width <= 2:   # every possible code (00 to 99) is the dictionary: no hashing of the rows
        dictionary = pa.array([f"{u:0{width}d}" for u in range(10 ** width)], type=pa.large_string())
        indices = pa.array(np.where(ok, values, 0).astype(np.int32), mask=~ok)
        return _string_series(pc.take(dictionary, indices), index)
    codes, uniques = pd.factorize(np.where(ok, values, -1))
    dictionary = pa.array([f"{u:0{width}d}" if u >= 0 else None for u in uniques], type=pa.large_string())
    indices = pa.array(codes.astype(np.int32), mask=~ok)
    return _string_series(pc.take(dictionary, indices), index)


def check_ids(s: pd.Series, as_of: dt.date) -> IdCheck:
    """Check a column of ID numbers; birth dates after ``as_of`` are refused."""
    n = len(s)
    arr = _to_arrow(s)
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    offsets, data = _buffers(arr)
    valid = np.ones(n, dtype=bool) if arr.null_count == 0 else arr.is_valid().to_numpy(zero_copy_only=False)
    lengths = np.diff(offsets)

    # Fast path: rows that are already 17 digits + digit/X need no normalisation.
    rows18 = np.flatnonzero((lengths == 18) & valid)
    cols = _columns(arr, rows18, 18)
    plain_rows = np.zeros(n, dtype=bool)
    plain_rows[rows18[_plain(cols)]] = True

    # Everything else (spaces, full-width digits, lower-case x, wrong forms) is normalised.
    odd = np.flatnonzero(valid & ~plain_rows)
    norm = arr
    if len(odd):
        as_typed = arr.take(pa.array(odd))
        fixed = _normalise(as_typed)
        if not pa.types.is_large_string(fixed.type):
            fixed = fixed.cast(pa.large_string())
        fixed_len = pc.binary_length(fixed).to_numpy(zero_copy_only=False).astype(np.int64)
        fixed = pc.if_else(pa.array(fixed_len == 0), pa.scalar(None, fixed.type), fixed)
        # the whole column is copied only when normalising changed something (often it changes
        # nothing: the odd rows are wrong forms such as 15 digits or 5.13E+17)
        if pc.all(pc.equal(fixed, as_typed), skip_nulls=False).as_py() is not True:
            mask = np.zeros(n, dtype=bool)
            mask[odd] = True
            norm = pc.replace_with_mask(arr, pa.array(mask), fixed)
        lengths = lengths.copy()
        lengths[odd] = fixed_len
        f18 = np.flatnonzero(fixed_len == 18)
        f_cols = _columns(fixed, f18, 18)
        f_plain = _plain(f_cols)
        plain18 = plain_rows[rows18]
        rows = np.concatenate([rows18[plain18], odd[f18[f_plain]]])
        cols = np.concatenate([_keep(cols, plain18), _keep(f_cols, f_plain)], axis=1)
    else:
        fixed_len = np.zeros(0, dtype=np.int64)
        rows = rows18

    blank = ~valid
    blank[odd[fixed_len == 0]] = True
    flags = np.full(n, 1 << BAD_FORMAT, dtype=np.uint16)
    flags[blank] = 1 << BLANK
    if len(odd):
        # 15 digits: the old form
        f15 = np.flatnonzero(fixed_len == 15)
        if len(f15):
            flags[odd[f15[((_columns(fixed, f15, 15) - _ZERO) <= 9).all(axis=0)]]] = 1 << FIFTEEN_DIGITS
        # Excel's scientific notation, however many digits it shows: the last digits are lost
        unread = fixed_len > 0
        unread[f18[f_plain]] = False
        maybe = np.flatnonzero(unread)
        if len(maybe):
            sci = pc.fill_null(pc.match_substring_regex(fixed.take(pa.array(maybe)), _SCIENTIFIC_RE), False)
            flags[odd[maybe[sci.to_numpy(zero_copy_only=False)]]] = 1 << SCIENTIFIC

    region = np.zeros(n, dtype=np.int64)
    birth = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")

    reg = _digits_value(cols[:6])
    region[rows] = reg
    bad_region = ~_known_provinces()[reg // 10_000]

    year, month, day = _digits_value(cols[6:10]), _digits_value(cols[10:12]), _digits_value(cols[12:14])
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0], dtype=np.int64)
    last_day = month_days[np.clip(month, 0, 13)] + ((month == 2) & leap)
    real = (year >= _MIN_BIRTH_YEAR) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= last_day)
    y, mo, d = np.where(real, year, 1970), np.where(real, month, 1), np.where(real, day, 1)
    born = _days(y, mo, d)
    future = real & (born > np.datetime64(as_of, "D"))
    born_ok = real & ~future
    birth[rows[born_ok]] = born[born_ok]

    total = np.zeros(len(rows), dtype=np.int32)
    for line, weight in zip(cols[:17], WEIGHTS):
        total += line.astype(np.int32) * int(weight)
    total -= _ZERO * int(WEIGHTS.sum())
    bad_check = _CHECK_BYTES[total % 11] != cols[17]
    # ...000 with a wrong check character: a number cell formatted "0", its last digits lost
    lost = bad_check & (cols[15] == _ZERO) & (cols[16] == _ZERO) & (cols[17] == _ZERO)

    err = (bad_region.astype(np.uint16) << BAD_REGION) | (~real).astype(np.uint16) << BAD_BIRTH_DATE
    err |= future.astype(np.uint16) << FUTURE_BIRTH_DATE
    err |= (bad_check & ~lost).astype(np.uint16) << BAD_CHECK
    err |= lost.astype(np.uint16) << LOST_DIGITS
    flags[rows] = err
    # the first 17 digits as one integer: region, birth date, sequence (whole lines, no selection)
    first17 = (((reg * 10_000 + year) * 100 + month) * 100 + day) * 1_000 + _digits_value(cols[14:17])
    person = np.full(n, -1, dtype=np.int64)
    person[rows] = np.where(err == 0, first17, -1)
    readable = np.zeros(n, dtype=bool)
    readable[rows] = True
    province_ok = readable.copy()
    province_ok[rows[bad_region]] = False

    return IdCheck(
        normalized=_string_series(norm, s.index),
        error=_FIRST_FLAG[flags],
        flags=flags,
        province=_codes_to_strings(region // 10_000, province_ok, 2, s.index),
        region=_codes_to_strings(region, readable, 6, s.index),
        birth_date=pd.Series(birth.astype("datetime64[ns]"), index=s.index, copy=False),
        person=person,
    )


def error_message(code: int, lang: str = "zh", as_of: dt.date | None = None) -> str:
    """The catalog text for an error code (the future-birth-date text names ``as_of``, the date
    the birth date was checked against)."""
    from core.i18n import t

    return t(ERROR_KEYS[int(code)], lang=lang, **({"as_of": as_of.isoformat()} if as_of else {}))


def failing(flags: np.ndarray, code: int) -> np.ndarray:
    """Rows whose flags include the check ``code``."""
    return (flags >> code & 1).astype(bool)
