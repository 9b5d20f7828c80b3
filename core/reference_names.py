"""The reference tables' names as shown in the page's language.

What the engine compares, the roster's cells and what is stored are the Chinese names of
``data/reference/*.csv``; each table carries the English name of each of its rows beside the
Chinese one (column ``name_en``: provinces, Shaoxing's districts, the helped Sichuan counties,
their prefectures, skill levels), so a row's names have one home. ``shown`` turns a Chinese name
into the page's language only where it is shown; anything it does not know (a county an
administrator added, free text) is shown as given.
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from core import reference

DEFAULT_LANG = "zh"


def _pairs(frame: pd.DataFrame, name: str) -> list[tuple[str, str]]:
    return list(zip(frame[name], frame["name_en"]))


@lru_cache(maxsize=None)
def english_names() -> dict[str, str]:
    """Chinese name -> English name, over every reference table (the file's helped counties;
    a province's short name 四川 too)."""
    p = reference.provinces()
    pairs = _pairs(p, "name") + list(zip(p["short"], p["name_en"]))
    pairs += _pairs(reference.districts(), "name")
    pairs += _pairs(reference.helped_counties_file(), "name")
    pairs += _pairs(reference.prefectures(), "name")
    pairs += _pairs(reference.skill_levels(), "level")
    return {zh: en for zh, en in pairs if zh and en}


def missing_english() -> list[str]:
    """The Chinese names of reference rows that have no English name (a test keeps it empty)."""
    tables = ((reference.provinces(), "name"), (reference.districts(), "name"),
              (reference.helped_counties_file(), "name"), (reference.prefectures(), "name"),
              (reference.skill_levels(), "level"))
    return [zh for frame, col in tables for zh, en in zip(frame[col], frame["name_en"]) if not en.strip()]


def shown(name, lang: str = DEFAULT_LANG):
    """``name`` as a page in ``lang`` shows it: the English name of a reference row in English,
    anything else (and every name in Chinese) as given."""
    if lang == DEFAULT_LANG or not isinstance(name, str):
        return name
    return english_names().get(name, name)


def shown_all(names, lang: str = DEFAULT_LANG) -> list:
    return [shown(n, lang) for n in names]


def shown_fmt(fmt: dict, lang: str = DEFAULT_LANG) -> dict:
    """The values a text is formatted with, reference names in ``lang``."""
    if lang == DEFAULT_LANG:
        return fmt
    return {k: shown(v, lang) for k, v in fmt.items()}


def shown_column(values: pd.Series, lang: str = DEFAULT_LANG) -> pd.Series:
    """A column of names as shown in ``lang`` (the column's own values untouched)."""
    if lang == DEFAULT_LANG:
        return values
    names = english_names()
    return values.where(~values.isin(list(names)), values.map(names.get))


def district_labels(lang: str = DEFAULT_LANG) -> dict[str, str]:
    """Shaoxing's districts in reference order: Chinese name (the value a page chooses) -> the
    name it shows in ``lang``."""
    return {name: shown(name, lang) for name in reference.districts()["name"]}


@lru_cache(maxsize=None)
def _english_headers() -> dict[str, str]:
    import yaml

    from core.i18n import SAFE_LOADER
    from core.paths import DATA

    doc = yaml.load((DATA / "columns.yaml").read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    return {c["field"]: c.get("header_en") or "" for c in doc["columns"]}


def column_header(field: str, lang: str = DEFAULT_LANG) -> str:
    """A roster column's name as a page in ``lang`` shows it: the roster's own header in Chinese,
    its ``header_en`` (data/columns.yaml) in English; the field name for a column not in the roster."""
    header = next((c.header for c in reference.columns() if c.field == field), field)
    if lang == DEFAULT_LANG:
        return header
    return _english_headers().get(field) or header
