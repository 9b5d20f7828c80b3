"""Stored data as officers read it (pages/admin_audit.py, admin_targets.py, events.py): the columns
each table shows, under their catalog headers, with times, yes/no, levels, audit details and
targets in words."""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from core import i18n
from core.cells import neutralise
from pages._common import lang, ui_text


def _text(value) -> str:
    """One cell of a column with blanks, as text: a whole number without ".0" (months: 6, not 6.0)."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def shown_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A table for the screen: a missing value blank (not "None"), text that cannot run. A column
    with blanks is text throughout: numbers beside "" in one column are not one Arrow type
    (月数 of a one-time item is blank), which Streamlit would log as ArrowInvalid and patch up."""
    out = frame.reset_index(drop=True)
    for col in out.columns:
        if out[col].isna().any():
            present = out[col].notna().to_numpy()
            out[col] = [_text(v) if has else "" for v, has in zip(out[col].astype(object), present)]
    return neutralise(out)


def stored_table(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """A table of stored data (uploads, audit log, targets, events) as officers read it: the listed
    columns in order under their catalog headers (db.col.*), times to the minute, yes/no in words,
    levels and results in words; internal keys are simply not listed. A demo column appears only
    when some row is demo data."""
    out = pd.DataFrame(index=frame.index)
    yes = ui_text("common.yes")
    for col in columns:
        if col not in frame.columns:
            continue
        values = frame[col]
        if col == "date":
            values = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
        elif col in ("at", "uploaded_at", "withdrawn_at", "set_at", "added_at"):
            values = pd.to_datetime(values).dt.strftime("%Y-%m-%d %H:%M").fillna("")
        elif col == "level":
            values = values.map(lambda v: i18n.t(f"db.events_page.level_{v}", lang()) if pd.notna(v) else v)
        elif col == "status":
            values = values.map(lambda v: i18n.t(f"rules.status.{v}", lang()) if pd.notna(v) else v)
        elif col in ("ok", "own_paired_county"):
            values = np.where(values.fillna(False).astype(bool), yes, ui_text("common.no"))
        elif col == "demo":
            if not values.fillna(False).astype(bool).any():
                continue
            values = np.where(values.fillna(False).astype(bool), yes, "")
        elif col == "detail":
            values = values.map(_detail_in_words)
        elif col == "target":
            values = values.map(_target_in_words)
        elif col == "amount" and values.isna().any():
            # an amount the notice leaves to a local standard that is not set yet: said, not "None"
            values = values.astype(object).where(values.notna(), ui_text("common.not_set"))
        if isinstance(values, pd.Series) and not pd.api.types.is_numeric_dtype(values.dtype):
            values = values.astype(object).where(values.notna(), "")
        out[i18n.t(f"db.col.{col}", lang())] = values
    return neutralise(out.reset_index(drop=True))      # the table's CSV download cannot run formulas


_DETAIL_HIDDEN = {"content_hash"}     # audit details officers need not read
_EVENT_KINDS = {"fair": "db.events_page.fairs", "love_post": "db.events_page.love_posts",
                "base": "db.events_page.bases"}


def _value_in_words(key: str, value):
    """One audit detail's value as officers read it: roles, levels, kinds, sources and yes/no in
    words, targets as their measures, numbers without a needless ".0"."""
    if isinstance(value, bool):
        return ui_text("common.yes") if value else ui_text("common.no")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):          # a target's old or new measures
        parts = [ui_text("common.pair", label=i18n.t(f"db.target_field.{k}", lang()) if i18n.has(
            f"db.target_field.{k}", lang()) else k, value=v) for k, v in value.items() if v is not None]
        return i18n.join_enum(parts, lang()) or ui_text("common.not_set")
    word = {"role": f"db.role.{value}", "level": f"db.events_page.level_{value}",
            "kind": _EVENT_KINDS.get(str(value), ""), "source": f"db.source.{value}"}.get(key)
    return i18n.t(word, lang()) if word and i18n.has(word, lang()) else value


def _detail_in_words(detail) -> str:
    """An audit entry's details (a JSON object) as "行数：60；有效行：57", under the same headers
    as the tables (db.col.*); keys without a header keep their name."""
    import json

    if detail is None or (isinstance(detail, float) and np.isnan(detail)) or detail == "":
        return ""
    try:
        data = json.loads(detail) if isinstance(detail, str) else dict(detail)
    except (TypeError, ValueError):
        return str(detail)
    if not isinstance(data, dict):
        return str(data)
    parts = []
    for key, value in data.items():
        if key in _DETAIL_HIDDEN or value is None or value == "":
            continue
        label = i18n.t(f"db.col.{key}", lang()) if i18n.has(f"db.col.{key}", lang()) else key
        parts.append(ui_text("common.pair", label=label, value=_value_in_words(key, value)))
    return i18n.join_list(parts, lang())


def _target_in_words(target) -> str:
    """An audit entry's object: "fair#3" as 扶贫专场招聘会 第3号, a local standard by its name."""
    text = "" if target is None or (isinstance(target, float) and np.isnan(target)) else str(target)
    kind, sep, number = text.partition("#")
    if sep and kind in _EVENT_KINDS and number.isdigit():
        return ui_text("common.numbered", name=i18n.t(_EVENT_KINDS[kind], lang()), n=number)
    if i18n.has(f"db.standard_label.{text}", lang()):
        return i18n.t(f"db.standard_label.{text}", lang())
    return text


EVENT_COLUMNS = {     # what the events page shows of each table (core.enterprise output), in order
    "fairs": ("fair_id", "district", "date", "province_name", "venue", "own_paired_county", "enterprise", "amount",
              "reason", "to_confirm", "clause", "demo"),
    "love_posts": ("id", "employer", "person", "id_number_masked", "year", "months", "counted_months", "amount",
                   "reason", "clause", "demo"),
    "bases": ("id", "base", "level", "year", "hires", "status", "amount", "reason", "clause", "demo"),
}
UPLOAD_COLUMNS = ("id", "uploaded_at", "username", "district", "filename", "rows", "valid", "errors", "flagged",
                  "total_to_worker", "demo", "withdrawn_at", "withdrawn_by", "withdraw_reason")
AUDIT_COLUMNS = ("at", "actor", "action", "target", "ok", "ip", "detail")
COUNTY_COLUMNS = ("code", "name", "aliases", "old_codes", "prefecture", "paired_with_shaoxing", "source", "origin",
                  "added_by", "added_at")
TARGET_COLUMNS = ("year", "district", "total", "paired_four", "other_central_western", "sichuan_helped",
                  "set_by", "set_at")
