"""One engine for a roster of a million rows and for one person's self-check.

``evaluate_frame`` runs the rules of ``core.rules`` on a typed frame and returns, per row, every
item's status, amount and reasons; ``evaluate_roster`` adds the reading and checking of an
officer's file around it. ``core.person`` sends one person through the same ``evaluate_frame``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core import explain, reference
from core.reader import RawRoster, read_roster
from core.rules import ITEMS, NO_CERTIFICATE, WORKER_ITEMS, Simulation
from core.validate import SEP, validate

STATUSES = ("eligible", "not_eligible", "unknown")
CATEGORIES = ("paired_four", "other_central_western", "not_counted")
JSON_AMOUNT_ITEMS = ("stabilization", "family_visit", "skill_training", "rent", "organizer_service")
INPUT_FIELDS = tuple(c.field for c in reference.columns())


def _status(cond: pd.arrays.BooleanArray) -> np.ndarray:
    """0 eligible, 1 not eligible, 2 unknown."""
    values = cond.to_numpy(dtype=bool, na_value=False)
    return np.where(cond.isna(), 2, np.where(values, 0, 1)).astype("int8")


def _categorical(codes: np.ndarray, texts: list[str]) -> pd.Categorical:
    """Texts per row from group codes, as a categorical (one copy of each distinct text)."""
    uniq, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(inverse[codes] if len(codes) else codes, categories=uniq)


def evaluate_frame(
    typed: pd.DataFrame,
    as_of: dt.date | None = None,
    standards: dict | None = None,
    lang: str = "zh",
    with_texts: bool = True,
) -> tuple[pd.DataFrame, Simulation, dict]:
    """Evaluate every rule on a typed frame (see ``core.rules``).

    Returns the result columns, the simulation (every condition, for explanations) and the
    explanation tables ``{"coverage": [ItemText…], item: [ItemText…]}`` with per-row codes in the
    result's ``<item>_text`` columns (ints) when ``with_texts``.
    """
    as_of = as_of or dt.date.today()
    sim = Simulation(typed, as_of, standards)
    out: dict[str, object] = {}
    tables: dict[str, list] = {}

    cov = _status(sim.covered)
    out["covered"] = pd.Categorical.from_codes(cov, categories=list(STATUSES))
    if with_texts:
        codes, keys = explain.coverage_codes(sim)
        tables["coverage"] = [explain.describe_coverage(int(k), lang) for k in keys]
        out["covered_text"] = codes

    for item in ITEMS:
        status = _status(sim.eligible(item))
        out[f"{item}_status"] = pd.Categorical.from_codes(status, categories=list(STATUSES))
        out[item] = sim.amount(item)
        if with_texts:
            codes, keys = explain.item_codes(sim, item)
            tables[item] = [explain.describe_item(item, int(k), lang, standards) for k in keys]
            out[f"{item}_text"] = codes
    out["rent_counted_months"] = np.where(out["rent_status"].codes == 0, sim.rent_counted_months, 0)
    out["employer_social_insurance_months"] = np.where(
        out["employer_social_insurance_status"].codes == 0, sim.employer_si_months, 0
    )
    out["total_to_worker"] = np.sum([out[i] for i in WORKER_ITEMS], axis=0).astype("int64")
    out["category"] = pd.Categorical(sim.category, categories=list(CATEGORIES))
    out["sichuan_helped"] = sim.sichuan_helped
    out["rent_capped"] = sim.rent_capped & (out["rent_status"].codes == 0)
    result = pd.DataFrame(out, index=typed.index)
    return result, sim, tables


@dataclass
class RosterResult:
    """What an officer's roster gives: one row per input row, in order, and the totals."""

    frame: pd.DataFrame
    summary: dict
    raw: RawRoster | None = None
    unknown_columns: list[str] = field(default_factory=list)

    @property
    def valid(self) -> pd.DataFrame:
        return self.frame[self.frame["valid"]]

    def to_json_dict(self) -> dict:
        from core.output import to_json_dict

        return to_json_dict(self)


def evaluate_roster(
    raw: RawRoster,
    as_of: dt.date | None = None,
    standards: dict | None = None,
    only_district: str | None = None,
    lang: str = "zh",
) -> RosterResult:
    """Check and evaluate every row of a roster that ``core.reader`` read."""
    as_of = as_of or dt.date.today()
    frame = raw.frame.reset_index(drop=True)
    rows = np.asarray(raw.row_numbers, dtype="int64")
    checked = validate(frame, rows, as_of, only_district, lang)
    typed = checked.typed
    result, sim, tables = evaluate_frame(typed, as_of, standards, lang)
    valid = checked.valid

    out = pd.DataFrame({"row": rows, "valid": valid})
    out["errors"] = checked.errors
    warnings = checked.warnings.copy()
    capped = result["rent_capped"].to_numpy() & valid
    if capped.any():
        from core.validate import _Messages
        from core.i18n import t

        acc = _Messages(len(out))
        acc.text = warnings
        acc.add(capped, t("validate.warn.rent_capped", lang))
        warnings = acc.text
    out["warnings"] = warnings

    for f in INPUT_FIELDS:
        out[f] = typed[f].to_numpy() if f in typed else pd.NA
    out["home_province_code"] = typed["home_province_code"].to_numpy()
    out["certificate_level"] = typed["certificate_level"].where(typed["certificate_level"] != NO_CERTIFICATE).to_numpy()
    first = pd.to_datetime(typed["first_employment_date"])
    out["year"] = pd.array(first.dt.year, dtype="Int64")

    # error rows: every amount 0, no category, no status
    cat = result["category"].astype(object).where(valid, None)
    out["category"] = pd.Categorical(cat, categories=list(CATEGORIES))
    out["sichuan_helped"] = result["sichuan_helped"].to_numpy() & valid
    out["covered"] = result["covered"].where(valid)
    out["covered_reason"] = _texts(result["covered_text"].to_numpy(), tables["coverage"], valid)
    for item in ITEMS:
        out[f"{item}_status"] = result[f"{item}_status"].where(valid)
        out[item] = np.where(valid, result[item].to_numpy(), 0)
        out[f"{item}_reason"] = _texts(result[f"{item}_text"].to_numpy(), tables[item], valid)
        steps = [x.next_step or "" for x in tables[item]]
        out[f"{item}_next_step"] = _categorical_masked(result[f"{item}_text"].to_numpy(), steps, valid)
    out["rent_counted_months"] = np.where(valid, result["rent_counted_months"], 0)
    out["employer_social_insurance_months"] = np.where(valid, result["employer_social_insurance_months"], 0)
    out["total_to_worker"] = np.where(valid, result["total_to_worker"].to_numpy(), 0)

    unknown = [c for c in frame.columns if c not in INPUT_FIELDS]
    for c in unknown:
        out[c if c not in out.columns else f"{c} "] = frame[c].to_numpy()

    policy = reference.policy()
    summary = {
        "rows": int(len(out)),
        "valid": int(valid.sum()),
        "errors": int((~valid).sum()),
        "blank_rows": int(getattr(raw, "blank_rows", 0)),
        "amounts": {item: int(out[item].sum()) for item in ITEMS},
        "total_to_worker": int(out["total_to_worker"].sum()),
        "as_of": as_of.isoformat(),
        "claim_deadline": policy["claim_deadline"].isoformat(),
        "claim_closed": as_of > policy["claim_deadline"],
    }
    return RosterResult(out, summary, raw, unknown)


def _texts(codes: np.ndarray, table: list, valid: np.ndarray) -> pd.Categorical:
    return _categorical_masked(codes, [x.joined() for x in table], valid)


def _categorical_masked(codes: np.ndarray, texts: list[str], valid: np.ndarray) -> pd.Categorical:
    texts = list(texts) + [""]
    codes = np.where(valid, codes, len(texts) - 1)
    return _categorical(codes, texts)


def evaluate_file(
    data: bytes,
    filename: str,
    as_of: dt.date | None = None,
    standards: dict | None = None,
    only_district: str | None = None,
    lang: str = "zh",
) -> RosterResult:
    """Read and evaluate a roster file; raises ``core.reader.RosterReadError`` when unreadable."""
    return evaluate_roster(read_roster(data, filename), as_of, standards, only_district, lang)


__all__ = [
    "ITEMS",
    "WORKER_ITEMS",
    "RosterResult",
    "evaluate_file",
    "evaluate_frame",
    "evaluate_roster",
    "SEP",
]
