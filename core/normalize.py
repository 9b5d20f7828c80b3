"""Vectorized value parsers for roster columns (ROSTER.md "Columns").

Every parser takes a pandas Series of text and works on the whole column, each distinct value
read once (``core.parse_base``: ``_by_unique``, ``remember_parsed``). Free text (names,
employers) is cleaned with pyarrow compute kernels over the whole column. Dates are in
``core.parse_dates``; ``parse_date`` and the serial-number checks are importable from here too.

Each parser returns a :class:`Parsed`: the values (NA where blank or unreadable), and two boolean
masks, ``blank`` (missing or only whitespace) and ``invalid`` (something was written but it cannot
be read). A blank cell is never invalid; whether it is allowed is decided by the validator.
"""
from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core import reference
# the shared machinery and the dates, importable from here as before (validate, engine, idnumber,
# reader_base, db.ids, partition_stream and the tests use these names through core.normalize)
from core.parse_base import (  # noqa: F401  (remember_parsed: re-exported)
    _BLANK, _OK, _STRIP, Parsed, _by_unique, _masks, _parser, _string_series, _take_numeric,
    _take_strings, _to_arrow, clean_scalar, remember_parsed,
)
from core.parse_dates import parse_date, plausible_serial  # noqa: F401  (re-exported)

_INNER_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")


def _squeeze(text: str) -> str:
    """Text without any whitespace inside (for names of places and levels)."""
    return _INNER_SPACE.sub("", text)


# ---------------------------------------------------------------------------------------------
# text


def clean_text(s: pd.Series) -> pd.Series:
    """NFKC (full-width digits, letters and brackets to half-width), trimmed at both ends
    (including U+3000 and non-breaking spaces); empty -> NA. Returns a ``string`` Series.

    Free text repeats (employers, organisers, common names): each distinct value is cleaned once
    and the cleaned values are taken back to the rows."""
    return clean_text_refusing(s, ())[0]


def clean_text_refusing(s: pd.Series, refused: tuple[str, ...]) -> tuple[pd.Series, np.ndarray]:
    """``clean_text``, and a bool per row: the cleaned text is one of ``refused`` (looked up once
    per distinct value, e.g. Excel's error values, which are not a name)."""
    encoded, dictionary, hit = _clean_dictionary(s, refused)
    return _string_series(pc.take(dictionary, encoded.indices), s.index), hit


def clean_text_named(s: pd.Series, refused: tuple[str, ...]) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """``clean_text_refusing``, and a bool per row: the cleaned text names an entity (not NA and
    not ``is_placeholder``), read from the same distinct values (one encoding of the column)."""
    encoded, dictionary, hit = _clean_dictionary(s, refused)
    named = np.zeros(len(s), dtype=bool)
    if len(dictionary):
        placeholder = _placeholder_words(dictionary)
        named_u = pc.and_kleene(pc.is_valid(dictionary), pc.invert(placeholder))
        named = pc.fill_null(pc.take(named_u, encoded.indices), False).to_numpy(zero_copy_only=False)
    return _string_series(pc.take(dictionary, encoded.indices), s.index), hit, np.asarray(named, dtype=bool)


def _clean_dictionary(s: pd.Series, refused: tuple[str, ...]):
    """The column dictionary-encoded, its distinct values cleaned (NFKC, trimmed, empty -> null),
    and the rows whose cleaned text is one of ``refused``."""
    encoded = pc.dictionary_encode(_to_arrow(s))
    dictionary = encoded.dictionary
    if len(dictionary) and not pc.all(pc.string_is_ascii(dictionary), skip_nulls=True).as_py():
        dictionary = pc.utf8_normalize(dictionary, "NFKC")
    dictionary = pc.utf8_trim(dictionary, _STRIP)
    empty = pc.equal(pc.binary_length(dictionary), 0)
    dictionary = pc.if_else(empty, pa.scalar(None, dictionary.type), dictionary)
    hit = np.zeros(len(s), dtype=bool)
    if refused and len(dictionary):
        bad = pc.fill_null(pc.is_in(dictionary, value_set=pa.array(refused, dictionary.type)), False)
        if pc.any(bad).as_py():
            hit = pc.fill_null(pc.take(bad, encoded.indices), False).to_numpy(zero_copy_only=False)
    return encoded, dictionary, hit


def normalise_county(s: pd.Series) -> pd.Series:
    """County text, cleaned (NFKC, trimmed, no inner spaces); no validation (counties are open)."""
    return normalise_county_refusing(s, ())[0]


def normalise_county_refusing(s: pd.Series, refused: tuple[str, ...]) -> tuple[pd.Series, np.ndarray]:
    """``normalise_county``, and a bool per row: the county is one of ``refused``."""
    codes, status, values = _by_unique(s, _parser(_squeeze))
    return _take_strings(codes, status, values, s.index), _refused_counties(codes, values, refused, len(s))


def normalise_county_helped(s: pd.Series, refused: tuple[str, ...],
                            id_region: pd.Series) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """``normalise_county_refusing``, and ``helped_sichuan_county`` of the cleaned county, read
    from the same distinct values (one encoding of the column)."""
    codes, status, values = _by_unique(s, _parser(_squeeze))
    county = _take_strings(codes, status, values, s.index)
    # the helped check of each cleaned value, as helped_sichuan_county reads the cleaned column
    # (a blank county: code -1 there, None here; both read as blank)
    results = [_HELPED_BY_COUNTY(v) for v in values]
    c_status = np.fromiter((r[0] for r in results), dtype=np.int8, count=len(results))
    c_status = np.append(c_status, np.int8(_BLANK))[codes]
    helped = _helped(codes, c_status, [r[1] for r in results], id_region, s.index)
    return county, _refused_counties(codes, values, refused, len(s)), helped


def _refused_counties(codes: np.ndarray, values: list, refused: tuple[str, ...], n: int) -> np.ndarray:
    hit = np.zeros(n, dtype=bool)
    if refused:
        bad = np.array([v in refused for v in values] + [False], dtype=bool)   # then False for code -1
        if bad.any():
            hit = bad[codes]
    return hit


# Excel's error values (a formula that failed, shown in the cell as its error): what a workbook
# error cell reads as, and what Excel writes for it in a CSV file
EXCEL_ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!")

# ---------------------------------------------------------------------------------------------
# yes / no, numbers, money

_YES = {"是", "y", "yes", "1", "1.0", "true"}
_NO = {"否", "n", "no", "0", "0.0", "false"}


def _yes_no(text: str) -> bool | None:
    key = _squeeze(text).lower()
    if key in _YES:
        return True
    if key in _NO:
        return False
    return None


def parse_yes_no(s: pd.Series) -> Parsed:
    """是/否, Y/N, yes/no, 1/0, true/false (any case, full-width folded). Values: ``boolean``."""
    codes, status, values = _by_unique(s, _parser(_yes_no))
    out, mask = _take_numeric(codes, status, values, bool)
    invalid, blank = _masks(status)
    return Parsed(pd.Series(pd.arrays.BooleanArray(out, mask), index=s.index, copy=False), invalid, blank)


_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+)"
_WHOLE = re.compile(rf"^{_NUMBER}(?:\.0*)?\s*(?:个月|月)?$")
_MONEY = re.compile(rf"^(?:¥|\$|RMB|rmb)?\s*{_NUMBER}(\.\d*)?\s*(万元|万|元)?$")
_INT64_MAX = np.iinfo(np.int64).max


def _whole_number(text: str) -> int | None:
    m = _WHOLE.match(text)
    if not m:
        return None
    value = int(m.group(1).replace(",", ""))
    return value if value <= _INT64_MAX else None


def parse_whole_number(s: pd.Series) -> Parsed:
    """Whole numbers >= 0: "12", " 12 ", "１２", "12.0", "1,200", "12个月". Values: ``Int64``."""
    codes, status, values = _by_unique(s, _parser(_whole_number))
    out, mask = _take_numeric(codes, status, values, np.int64)
    invalid, blank = _masks(status)
    return Parsed(pd.Series(pd.arrays.IntegerArray(out, mask), index=s.index, copy=False), invalid, blank)


def _money(text: str) -> float | None:
    m = _MONEY.match(text)
    if not m:
        return None
    value = float(m.group(1).replace(",", "") + (m.group(2) or ""))
    if m.group(3) and m.group(3).startswith("万"):
        value *= 10_000
    return value if math.isfinite(value) else None


def parse_money(s: pd.Series) -> Parsed:
    """Yuan >= 0: "1200", "1,200", "1200元", "１２００", "¥1,200.50", "1.2万". Values: ``Float64``."""
    codes, status, values = _by_unique(s, _parser(_money))
    out, mask = _take_numeric(codes, status, values, np.float64)
    invalid, blank = _masks(status)
    return Parsed(pd.Series(pd.arrays.FloatingArray(out, mask), index=s.index, copy=False), invalid, blank)


# ---------------------------------------------------------------------------------------------
# places and levels

_PROVINCE_SUFFIXES = ("省", "市", "自治区", "特别行政区")


@lru_cache(maxsize=None)
def _province_lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for row in reference.provinces().itertuples(index=False):
        names = [row.name, row.short, *reference.split_aliases(row.aliases)]
        for name in names:
            name = _squeeze(unicodedata.normalize("NFKC", name))
            table[name] = row.code
        for suffix in _PROVINCE_SUFFIXES:
            table.setdefault(row.short + suffix, row.code)
    return table


def _province(text: str) -> str | None:
    return _province_lookup().get(_squeeze(text))


def parse_province(s: pd.Series) -> Parsed:
    """Province, full (四川省), short (四川) or an alias of data/reference/provinces.csv; values are
    the 2-digit GB/T 2260 code as text ("51")."""
    codes, status, values = _by_unique(s, _parser(_province))
    invalid, blank = _masks(status)
    return Parsed(_take_strings(codes, status, values, s.index), invalid, blank)


# Names of Shaoxing districts before the 2013 reorganisation (FACTS.md: 绍兴县 330621 is now
# 柯桥区 330603, 上虞市 330682 is now 上虞区 330604), keyed by today's code. Used when
# data/reference/districts.csv has no ``old_names`` column.
_OLD_DISTRICT_NAMES = {"330603": "绍兴县", "330604": "上虞市"}
_PREFIX_PROVINCE = re.compile(r"^浙江省?")
_PREFIX_CITY = re.compile(r"^绍兴市?")


@lru_cache(maxsize=None)
def _district_lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    frame = reference.districts()
    for row in frame.to_dict("records"):
        name = row["name"]
        keys = [name, name[:-1], row["code"], *reference.split_aliases(row.get("old_codes", ""))]
        old = row.get("old_names")
        keys += reference.split_aliases(old) if old is not None else [_OLD_DISTRICT_NAMES.get(row["code"], "")]
        for key in keys:
            if key:
                table[key] = name
    return table


def _district(text: str) -> str | None:
    table = _district_lookup()
    key = _squeeze(text)
    for _ in range(3):
        if key in table:
            return table[key]
        stripped = _PREFIX_CITY.sub("", _PREFIX_PROVINCE.sub("", key, count=1), count=1)
        if stripped == key or not stripped:
            return None
        key = stripped
    return None


def parse_district(s: pd.Series) -> Parsed:
    """One of the six districts of data/reference/districts.csv (越城区 …), value = its canonical
    name; a 绍兴市 / 绍兴 / 浙江省绍兴市 prefix is allowed, old names 绍兴县 and 上虞市 are read as
    柯桥区 and 上虞区."""
    codes, status, values = _by_unique(s, _parser(_district))
    invalid, blank = _masks(status)
    return Parsed(_take_strings(codes, status, values, s.index), invalid, blank)


_LEVEL_PREFIX = re.compile(r"^(?:国家)?(?:职业资格)?(?:证书)?")
_LEVEL_SUFFIX = re.compile(r"(?:证书|证)$")
_LEVEL_SPLIT = re.compile(r"[()\[\]/、,;]")


@lru_cache(maxsize=None)
def _level_lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for row in reference.skill_levels().itertuples(index=False):
        for key in (row.level, row.grade, *reference.split_aliases(row.aliases)):
            table[_squeeze(unicodedata.normalize("NFKC", key))] = row.level
    return table


def _one_level(key: str) -> str | None:
    table = _level_lookup()
    if key in table:
        return table[key]
    key = _LEVEL_SUFFIX.sub("", _LEVEL_PREFIX.sub("", key))
    return table.get(key)


OTHER_CERTIFICATE = "other"   # core.rules.OTHER_CERTIFICATE: a certificate that is not a 职业资格 level


def _level(text: str) -> str | None:
    key = _squeeze(text)
    found = _one_level(key)
    if found is not None:
        return found
    # "五级(初级工)", "四级/中级工": every part must name the same level
    parts = [p for p in _LEVEL_SPLIT.split(key) if p]
    levels = {_one_level(p) for p in parts}
    if len(parts) > 1 and len(levels) == 1 and None not in levels:
        return levels.pop()
    # 专项职业能力证书, 职业技能等级证书（初级） …: a certificate, but not of a 职业资格 level
    if any(word in unicodedata.normalize("NFKC", key) for word in _other_certificate_words()):
        return OTHER_CERTIFICATE
    return None


@lru_cache(maxsize=None)
def _other_certificate_words() -> tuple[str, ...]:
    return tuple(unicodedata.normalize("NFKC", w) for w in reference.other_certificates()["word"])


def is_placeholder(text: pd.Series) -> np.ndarray:
    """The cleaned text of an organiser or employer cell only says there is none (无, 自行来绍, /
    …: ``reference.placeholder_names``), looked up once per distinct value (Arrow dictionary)."""
    if not len(text):
        return np.zeros(0, dtype=bool)
    encoded = pc.dictionary_encode(_to_arrow(text))
    taken = pc.fill_null(pc.take(_placeholder_words(encoded.dictionary), encoded.indices), False)
    return np.asarray(taken.to_numpy(zero_copy_only=False), dtype=bool)


def _placeholder_words(dictionary: pa.Array) -> pa.Array:
    """Per distinct text: it is one of ``reference.placeholder_names`` (null stays null)."""
    words = pc.utf8_lower(pc.utf8_trim_whitespace(pc.utf8_normalize(dictionary, "NFKC")))
    return pc.fill_null(pc.is_in(words, value_set=pa.array(sorted(reference.placeholder_names()))), False)


def parse_skill_level(s: pd.Series) -> Parsed:
    """职业资格 level: 初级工 中级工 高级工 技师 高级技师, or an alias of
    data/reference/skill_levels.csv (五级 …); values are the canonical level."""
    codes, status, values = _by_unique(s, _parser(_level))
    invalid, blank = _masks(status)
    return Parsed(_take_strings(codes, status, values, s.index), invalid, blank)


# ---------------------------------------------------------------------------------------------
# Sichuan counties that Zhejiang helps

_PREFIX_SICHUAN = re.compile(r"^四川省?")


def _helped_lookup() -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
    """(county names and aliases, prefecture prefixes, region codes incl. old codes) of the
    helped counties as they are now (the file and the administrators' additions)."""
    return _helped_lookup_of(reference.helped_counties_version())


@lru_cache(maxsize=4)
def _helped_lookup_of(version: int) -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
    names: set[str] = set()
    prefixes: set[str] = set()
    region_codes: set[str] = set()
    for row in reference.sichuan_helped_counties().itertuples(index=False):
        names.add(row.name)
        names.update(reference.split_aliases(row.aliases))
        region_codes.add(row.code)
        region_codes.update(reference.split_aliases(row.old_codes))
        pref = row.prefecture
        if pref:
            prefixes.update({pref, pref[:2], pref[:2] + "州", pref[:2] + "市", pref.rstrip("市州")})
    names = {_squeeze(unicodedata.normalize("NFKC", n)) for n in names}
    ordered = tuple(sorted((p for p in prefixes if p), key=len, reverse=True))
    return frozenset(names), ordered, frozenset(region_codes)


def _helped_county(text: str) -> bool:
    names, prefixes, _ = _helped_lookup()
    key = _squeeze(text)
    if key in names:
        return True
    key = _PREFIX_SICHUAN.sub("", key, count=1)
    if key in names:
        return True
    for prefix in prefixes:
        if key.startswith(prefix) and key[len(prefix):] in names:
            return True
    return False


def _helped_region(raw: Any) -> tuple[int, Any]:
    text = clean_scalar(raw)
    if text is None:
        return _BLANK, None
    return _OK, text[:6] in _helped_lookup()[2]


_HELPED_BY_COUNTY = _parser(lambda t: _helped_county(t))


def helped_sichuan_county(county: pd.Series, id_region: pd.Series) -> pd.Series:
    """``boolean``: the household county is one of data/reference/sichuan_helped_counties.csv (name
    or alias, a 四川省 / prefecture prefix allowed). Where the county is blank, the 6-digit region
    code of the ID number decides (old codes count: 513229 马尔康县). NA when both are blank."""
    c_codes, c_status, c_values = _by_unique(county, _HELPED_BY_COUNTY)
    return _helped(c_codes, c_status, c_values, id_region, county.index)


def _helped(c_codes: np.ndarray, c_status: np.ndarray, c_values: list, id_region: pd.Series,
            index: pd.Index) -> pd.Series:
    by_county, county_missing = _take_numeric(c_codes, c_status, c_values, bool)
    if len(id_region) != len(c_codes):
        raise ValueError("county and id_region must have the same length")
    r_codes, r_status, r_values = _by_unique(id_region, _helped_region)
    by_region, region_missing = _take_numeric(r_codes, r_status, r_values, bool)
    county_blank = c_status == _BLANK
    values = np.where(county_blank, by_region, by_county)
    mask = county_blank & region_missing
    return pd.Series(pd.arrays.BooleanArray(values, mask), index=index, copy=False)
