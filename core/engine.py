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
import pyarrow as pa
import pyarrow.compute as pc

from core import explain, normalize, reference
from core.items import ITEM, ITEMS, REGISTRY, WORKER_ITEMS
from core.items import employer_social_insurance, rent, skill_training
from core.reader import RawRoster, read_roster
from core.rules import ELIGIBLE, MONTH_FIELDS, NO_CERTIFICATE, STATUSES, Simulation
from core.i18n import t
from core.validate import SEP, Messages, validate

STATUS_DTYPE = pd.CategoricalDtype(list(STATUSES))
INPUT_FIELDS = tuple(c.field for c in reference.columns())
# per-row warnings the rules raise (RULES.md: a cap that bites, a certificate before arrival)
RULE_WARNINGS = (
    ("rent", rent.capped, "validate.warn.rent_capped"),
    ("employer_social_insurance", employer_social_insurance.capped, "validate.warn.employer_capped"),
    ("skill_training", skill_training.before_arrival, "validate.warn.skill_before_arrival"),
)


def _status(cond: pd.arrays.BooleanArray) -> np.ndarray:
    """0 eligible, 1 not eligible, 2 unknown (of a condition such as coverage)."""
    values = cond.to_numpy(dtype=bool, na_value=False)
    return np.where(cond.isna(), 2, np.where(values, 0, 1)).astype("int8")


def _categorical(codes: np.ndarray, texts: list[str]) -> pd.Categorical:
    """Texts per row from group codes, as a categorical (one copy of each distinct text)."""
    inverse, uniq = pd.factorize(np.asarray(texts, dtype=object))
    return pd.Categorical.from_codes(inverse[codes] if len(codes) else codes, categories=pd.Index(uniq, dtype=object))


def evaluate_frame(
    typed: pd.DataFrame,
    as_of: dt.date | None = None,
    standards: dict | None = None,
    lang: str = "zh",
    with_texts: bool = True,
) -> tuple[pd.DataFrame, Simulation, dict]:
    """Evaluate every rule on a typed frame (see ``core.rules``).

    Returns the result columns as a frame, the simulation (every condition, for explanations)
    and the explanation tables ``{"coverage": [ItemText…], item: [ItemText…]}`` with per-row
    codes in the result's ``<item>_text`` columns (ints) when ``with_texts``.
    """
    columns, sim, tables = evaluate_columns(typed, as_of, standards, lang, with_texts)
    index = typed.index if isinstance(typed, pd.DataFrame) else None
    return pd.DataFrame(columns, index=index), sim, tables


def evaluate_columns(
    typed, as_of: dt.date | None = None, standards: dict | None = None, lang: str = "zh", with_texts: bool = True
) -> tuple[dict, Simulation, dict]:
    """``evaluate_frame`` without building a frame: a dict of whole columns (numpy arrays and
    categoricals). ``typed`` is a frame or a dict of columns."""
    as_of = as_of or dt.date.today()
    sim = Simulation(typed, as_of, standards)
    out: dict[str, object] = {}
    tables: dict[str, list] = {}

    cov = _status(sim.covered)
    out["covered"] = pd.Categorical.from_codes(cov, dtype=STATUS_DTYPE)
    if with_texts:
        codes, groups = explain.coverage_codes(sim)
        tables["coverage"] = [explain.describe_coverage(g, lang) for g in groups]
        out["covered_text"] = codes

    open_ = sim.claim_open
    for spec in REGISTRY:
        item = spec.code
        status = sim.status(item)
        out[f"{item}_status"] = pd.Categorical.from_codes(status, dtype=STATUS_DTYPE)
        out[item] = np.where(status == ELIGIBLE, sim.full_amount(item), 0).astype("int64")
        out[f"{item}_payable"] = np.where(open_, out[item], 0).astype("int64")
        if spec.months is not None:
            out[spec.months_column] = np.where(status == ELIGIBLE, spec.months(sim), 0)
        if with_texts:
            codes, groups = explain.item_codes(sim, item)
            tables[item] = [explain.describe_item(item, g, lang, standards) for g in groups]
            out[f"{item}_text"] = codes
    out["total_to_worker"] = np.sum([out[i] for i in WORKER_ITEMS], axis=0).astype("int64")
    out["total_payable_to_worker"] = np.where(open_, out["total_to_worker"], 0).astype("int64")
    out["claim_closed"] = ~open_
    out["category"] = sim.category
    out["sichuan_helped"] = sim.sichuan_helped
    for item, flag, _ in RULE_WARNINGS:
        out[f"{item}_warned"] = flag(sim) & (out[f"{item}_status"].codes == ELIGIBLE)
    return out, sim, tables


PASSTHROUGH_PREFIX = "input:"   # frame columns of the officer's own columns, passed through


@dataclass
class RosterResult:
    """What an officer's roster gives: one row per input row, in order, and the totals."""

    frame: pd.DataFrame
    summary: dict
    raw: RawRoster | None = None
    unknown_columns: list[str] = field(default_factory=list)  # headers as the officer typed them

    @staticmethod
    def passthrough(header: str) -> str:
        """The frame column holding the officer's column ``header`` (never one of the engine's)."""
        return PASSTHROUGH_PREFIX + header

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
    item_texts: bool = True,
    repeats: np.ndarray | None = None,
    ids=None,
    row_reason: bool = True,
) -> RosterResult:
    """Check and evaluate every row of a roster that ``core.reader`` read. ``item_texts=False``
    leaves out the 13 per-item text columns (``covered_reason``, ``<item>_reason``,
    ``<item>_next_step``) that the pages show and the downloads never write; ``row_reason=False``
    the row's summary ``reason`` that the pages and downloads show and the database does not
    store (``core.db.bulk_import``). ``repeats``: the
    repeated ID numbers found over a longer file, ``ids`` its ID numbers already checked
    (``core.validate.validate``)."""
    as_of = as_of or dt.date.today()
    frame = raw.frame.reset_index(drop=True)
    rows = np.asarray(raw.row_numbers, dtype="int64")
    checked = validate(frame, rows, as_of, only_district, lang, repeats, ids)
    typed = checked.typed
    result, sim, tables = evaluate_columns(typed, as_of, standards, lang)
    valid = checked.valid

    warnings = Messages(len(frame), checked.warnings)
    for item, _, key in RULE_WARNINGS:
        warnings.add(np.asarray(result[f"{item}_warned"]) & valid, t(key, lang))
    errors = Messages(len(frame), checked.errors)
    _impossible_month_errors(errors, sim, valid, lang)

    out: dict[str, object] = {
        "row": rows.copy(),       # the frame below takes its columns as they are (not the reader's)
        "valid": valid,
        "errors": pd.Series(errors.text, dtype=object),
        "warnings": pd.Series(warnings.text, dtype=object),
    }
    for f in INPUT_FIELDS:
        out[f] = typed[f].array
    level = normalize._to_arrow(typed["certificate_level"])      # "no certificate" is written blank
    out["certificate_level"] = normalize._string_series(
        pc.if_else(pc.equal(level, NO_CERTIFICATE), pa.scalar(None, level.type), level), typed.index).array
    out["home_province_code"] = typed["home_province_code"].array
    first = sim.first_date                             # the year of the first employment (NA: unknown)
    unknown_year = np.isnat(first)
    out["year"] = pd.arrays.IntegerArray(
        np.where(unknown_year, 0, first.astype("datetime64[Y]").astype(np.int64) + 1970), unknown_year)

    # error rows: every amount 0, no category, no status, no reason
    def masked(cat: pd.Categorical) -> pd.Categorical:
        return pd.Categorical.from_codes(np.where(valid, cat.codes, -1), dtype=cat.dtype)

    out["category"] = masked(result["category"])
    out["sichuan_helped"] = np.asarray(result["sichuan_helped"]) & valid
    out["covered"] = masked(result["covered"])
    if item_texts:
        out["covered_reason"] = _texts(np.asarray(result["covered_text"]), [x.joined(lang) for x in tables["coverage"]],
                                       valid)
    for item in ITEMS:
        codes = np.asarray(result[f"{item}_text"])
        out[f"{item}_status"] = masked(result[f"{item}_status"])
        out[item] = np.where(valid, np.asarray(result[item]), 0)
        out[f"{item}_payable"] = np.where(valid, np.asarray(result[f"{item}_payable"]), 0)
        if item_texts:
            out[f"{item}_reason"] = _texts(codes, [x.joined(lang) for x in tables[item]], valid)
            out[f"{item}_next_step"] = _texts(codes, [x.next_step or "" for x in tables[item]], valid)
    out["rent_counted_months"] = np.where(valid, result["rent_counted_months"], 0)
    out["employer_social_insurance_months"] = np.where(valid, result["employer_social_insurance_months"], 0)
    out["total_to_worker"] = np.where(valid, np.asarray(result["total_to_worker"]), 0)
    out["total_payable_to_worker"] = np.where(valid, np.asarray(result["total_payable_to_worker"]), 0)
    out["claim_closed"] = np.asarray(result["claim_closed"])
    if row_reason:
        out["reason"] = _row_summaries(result, tables, valid, lang)

    unknown = [c for c in frame.columns if c not in INPUT_FIELDS]
    for c in unknown:
        out[RosterResult.passthrough(c)] = frame[c].array
    table = pd.DataFrame(out, copy=False)      # columns made here for it: not copied into blocks

    deadline = claim_deadline(sim)
    summary = {
        "rows": int(len(table)),
        "valid": int(valid.sum()),
        "errors": int((~valid).sum()),
        "blank_rows": int(getattr(raw, "blank_rows", 0)),
        "amounts": {item: int(table[item].sum()) for item in ITEMS},
        "total_to_worker": int(table["total_to_worker"].sum()),
        "payable": {item: int(table[f"{item}_payable"].sum()) for item in ITEMS},
        "total_payable_to_worker": int(table["total_payable_to_worker"].sum()),
        "as_of": as_of.isoformat(),
        "claim_deadline": deadline.isoformat(),
        "claim_closed": as_of > deadline,
        "employer_standard": (standards or {}).get("employer_social_insurance.monthly"),
    }
    return RosterResult(table, summary, raw, unknown)


def claim_deadline(sim: Simulation) -> dt.date:
    """The claim deadline of a roster: the latest among the policies its rows are under (the
    first policy's for an empty roster), so "closed" means nothing in the file is payable."""
    used = np.flatnonzero(np.bincount(sim.policy_index, minlength=len(sim.policies))) if sim.n else np.array([0])
    return max(sim.policies[int(i)]["claim_deadline"] for i in used)


def _impossible_month_errors(errors: Messages, sim: Simulation, valid: np.ndarray, lang: str) -> None:
    """RULES.md: a month count larger than the months from the first employment through the
    check is an error of the items it feeds (quoted, with the most that can be true)."""
    headers = {c.field: c.header for c in reference.columns()}
    for column in MONTH_FIELDS:
        idx = np.flatnonzero(sim.impossible_months(column) & valid)
        if not idx.size:
            continue
        months = sim.reported_months(column)[0][idx]
        items = [t(f"rules.item_title.{i}", lang) for i in ITEMS if column in ITEM[i].inputs]
        possible = sim.possible_months[idx]
        codes, pairs = pd.factorize(months * 100_000 + possible)     # one text per distinct pair
        texts = np.asarray([t("validate.impossible_months", lang, header=headers[column], months=int(k // 100_000),
                              max=int(k % 100_000), items=t("common.enum_separator", lang).join(items))
                            for k in pairs], dtype=object)
        errors.add_rows(idx, texts[codes])


def _texts(codes: np.ndarray, texts: list[str], valid: np.ndarray) -> pd.Categorical:
    """Per-row texts from group codes, "" on error rows, as a categorical."""
    texts = list(texts) + [""]
    return _categorical(np.where(valid, codes, len(texts) - 1), texts)


def _row_summaries(result: pd.DataFrame, tables: dict, valid: np.ndarray, lang: str) -> pd.Categorical:
    """The one-column explanation of each row: why it is not covered, else what each item that
    is not granted lacks. Each item's part is written once per distinct text, and rows are grouped
    by their combination of parts, so a million rows cost a few hash passes."""
    cov_text = [explain.coverage_summary(x, lang) for x in tables["coverage"]]
    cov_id, cov_uniques = pd.factorize(np.asarray(cov_text, dtype=object))
    cov_col = cov_id[np.asarray(result["covered_text"])]
    not_covered = np.array([text != "" for text in cov_uniques], dtype=bool)[cov_col]
    columns, parts = [cov_col], [list(cov_uniques)]
    for item in ITEMS:
        texts = [explain.summary_part(item, x, lang) for x in tables[item]]
        ids, uniques = pd.factorize(np.asarray(texts, dtype=object))
        columns.append(np.where(not_covered, -1, ids[np.asarray(result[f"{item}_text"])]))
        parts.append(list(uniques))
    group, first = explain.combine_codes(columns)
    # one text per group (not per row): each item's part taken for the groups on whole arrays,
    # then the non-empty parts of a group joined by a space
    item_parts = []
    for p, c in zip(parts[1:], columns[1:]):
        codes = c[first]
        item_parts.append(np.asarray(list(p) + [""], dtype=object)[np.where(codes >= 0, codes, len(p))])
    joined = [" ".join([x for x in group_parts if x]) for group_parts in zip(*item_parts)]
    cov_part = np.asarray(parts[0], dtype=object)[columns[0][first]]
    texts = np.where(not_covered[first], cov_part, np.asarray(joined, dtype=object))
    return _texts(group, list(texts), valid)


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
