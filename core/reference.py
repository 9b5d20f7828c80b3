"""Policy parameters and reference tables, loaded once from ``data/``.

Every figure of the notice is read from ``data/policy/*.yaml`` (one file per policy period, each
value with its clause); nothing here hard-codes an amount.
"""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd
import yaml

from pathlib import Path

from core.paths import DATA
from core.i18n import SAFE_LOADER


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    required: bool
    kind: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parameter:
    """One value of the notice: what it is, the clause that sets it and when it applies."""

    name: str
    value: Any
    clause: str
    label: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Policy:
    id: str
    document: str
    title: str
    start: dt.date
    end: dt.date
    parameters: dict[str, Parameter] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.parameters[name].value

    def param(self, name: str) -> Parameter:
        return self.parameters[name]


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


PARAMETER_KEYS = {"value", "clause", "label", "start", "end"}


def _flatten_params(prefix: str, node: dict, start: dt.date, end: dt.date, out: dict) -> None:
    for key, value in node.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and "value" in value and "clause" in value:
            stray = set(value) - PARAMETER_KEYS
            if stray:   # e.g. an unquoted label with a comma in a YAML flow mapping
                raise ValueError(f"parameter {name} has unknown keys {sorted(stray)}")
            p_start = _as_date(value.get("start", start))
            p_end = _as_date(value.get("end", end))
            out[name] = Parameter(name, value["value"], value["clause"], value.get("label", ""), p_start, p_end)
        elif isinstance(value, dict):
            _flatten_params(name, value, start, end, out)
        else:
            raise ValueError(f"parameter {name} has no value/clause")


# Where the policy files are: the notice's, and any successor a later notice brings (a new file,
# not new code). Tests add a fictional successor with ``use_policy_dirs``.
POLICY_DIRS: tuple = (DATA / "policy",)
_ON_POLICIES_CHANGED: list = []


def on_policies_changed(clear) -> None:
    """Register a cache that depends on the list of policies (cleared by ``use_policy_dirs``)."""
    _ON_POLICIES_CHANGED.append(clear)


def use_policy_dirs(dirs) -> None:
    """Read the policies from these folders from now on (every cache that depends on them is
    cleared): how a successor policy, or a test's fictional one, is put in force."""
    global POLICY_DIRS
    POLICY_DIRS = tuple(dirs)
    policies.cache_clear()
    for clear in _ON_POLICIES_CHANGED:
        clear()


@lru_cache(maxsize=None)
def policies() -> tuple[Policy, ...]:
    """All policy periods, oldest first; their windows must not overlap."""
    out = []
    for path in sorted(p for d in POLICY_DIRS for p in Path(d).glob("*.yaml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        start, end = _as_date(doc["period"]["start"]), _as_date(doc["period"]["end"])
        params: dict[str, Parameter] = {}
        _flatten_params("", doc["parameters"], start, end, params)
        out.append(Policy(doc["id"], doc["document"], doc["title"], start, end, params))
    out = sorted(out, key=lambda p: p.start)
    for earlier, later in zip(out, out[1:]):
        if later.start <= earlier.end:
            raise ValueError(f"policy {later.id} starts before {earlier.id} ends")
    return tuple(out)


def policy(policy_id: str | None = None) -> Policy:
    """The policy with this id, or the first one (the notice) when none is named."""
    all_ = policies()
    if policy_id is None:
        return all_[0]
    for p in all_:
        if p.id == policy_id:
            return p
    raise KeyError(policy_id)


@lru_cache(maxsize=None)
def columns() -> tuple[Column, ...]:
    doc = yaml.load((DATA / "columns.yaml").read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    return tuple(
        Column(c["field"], c["header"], bool(c["required"]), c["kind"], tuple(c.get("aliases") or ()))
        for c in doc["columns"]
    )


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / "reference" / name, dtype=str, keep_default_na=False, encoding="utf-8")


@lru_cache(maxsize=None)
def provinces() -> pd.DataFrame:
    """code (2 digits), name, short, group (paired_four / other_central_western / not_counted), aliases."""
    return _csv("provinces.csv")


@lru_cache(maxsize=None)
def districts() -> pd.DataFrame:
    """The six Shaoxing districts: code, name, old_codes, paired county."""
    return _csv("districts.csv")


# --- Sichuan counties Zhejiang helps: the file, and the counties an administrator added ----------
#
# The file (data/reference/sichuan_helped_counties.csv) holds the counties found in public
# sources. An administrator adds others without a code change: they are stored in the database
# (core.db.counties), which hands them here with ``set_helped_county_extensions`` when the app or
# the command line starts and after each change. Everything that reads the table (the roster's
# ``county_helped``, the self-check, progress) sees the file and the additions as one table;
# ``helped_counties_version`` changes with every change, so caches built from the table key on it.

HELPED_COLUMNS = ("code", "name", "aliases", "old_codes", "prefecture", "paired_with_shaoxing", "source")
_helped_lock = threading.Lock()
# None until an administrator's additions are handed over: no frame is built at import (building
# one starts pyarrow's thread pool, whose reserved memory every reading process would inherit)
_helped_extra: pd.DataFrame | None = None
_helped_version = 0


@lru_cache(maxsize=None)
def helped_counties_file() -> pd.DataFrame:
    """The counties of the file alone."""
    return _csv("sichuan_helped_counties.csv")


def helped_counties_version() -> int:
    """A number that changes whenever the administrators' additions change."""
    return _helped_version


def helped_county_extensions() -> pd.DataFrame:
    """The additions now merged (HELPED_COLUMNS), in the order they were handed over."""
    if _helped_extra is None:
        return pd.DataFrame(columns=list(HELPED_COLUMNS), dtype=str)
    return _helped_extra.copy()


def set_helped_county_extensions(rows) -> bool:
    """Replace the administrators' additions (records or a frame with HELPED_COLUMNS; missing
    columns blank). A code the file already has is left to the file. Returns whether anything
    changed."""
    global _helped_extra, _helped_version
    frame = pd.DataFrame(rows)
    for col in HELPED_COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
    frame = frame[list(HELPED_COLUMNS)].fillna("").astype(str).reset_index(drop=True)
    frame = frame[~frame["code"].isin(set(helped_counties_file()["code"]))].reset_index(drop=True)
    with _helped_lock:
        if frame.equals(helped_county_extensions()):
            return False
        _helped_extra = frame
        _helped_version += 1
        return True


@lru_cache(maxsize=4)
def _helped_counties(version: int) -> pd.DataFrame:
    extra = _helped_extra
    if extra is None or not len(extra):
        return helped_counties_file()
    # the administrators' additions have no English name (name_en): blank, shown in Chinese
    return pd.concat([helped_counties_file(), extra], ignore_index=True).fillna("")


def sichuan_helped_counties() -> pd.DataFrame:
    """The file's counties, then the administrators' additions (core.db.counties)."""
    return _helped_counties(_helped_version)


@lru_cache(maxsize=None)
def prefectures() -> pd.DataFrame:
    """The prefectures of the helped counties: name, name_en."""
    return _csv("prefectures.csv")


@lru_cache(maxsize=None)
def skill_levels() -> pd.DataFrame:
    return _csv("skill_levels.csv")


@lru_cache(maxsize=None)
def other_certificates() -> pd.DataFrame:
    """Words that name a certificate which is not a 职业资格 level (专项职业能力证书 …): 三(二) does
    not pay them (RULES.md)."""
    return _csv("other_certificates.csv")


@lru_cache(maxsize=None)
def placeholder_names() -> frozenset[str]:
    """What officers type into 组织输入机构 or 用人单位 to say there is none (无, 自行来绍 …): not a
    name (RULES.md, "Placeholders are not names"), compared case-insensitively after trimming."""
    return frozenset(w.strip().lower() for w in _csv("placeholder_names.csv")["word"])


@lru_cache(maxsize=None)
def notice_targets() -> dict[int, dict[str, Any]]:
    """Targets the notice itself sets (2018); later years come from the database."""
    doc = yaml.load((DATA / "targets.yaml").read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    return {int(year): values for year, values in doc.items()}


def split_aliases(value: str) -> list[str]:
    return [a.strip() for a in value.split(";") if a.strip()] if value else []
