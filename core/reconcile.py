"""Reconciliation of the province's list (扶贫劳务协作数据库, notice 四、三: 核实、补充、完善) with the
district's stored people.

The province's list is read like a roster (``core.reader.read_province_list_isolated``: the same
encodings, formats, limits and one-sentence refusals) but needs only 姓名, 身份证号 and 户籍省份;
its other columns are kept. Its ID numbers are checked and normalised as the roster's
(``core.idnumber``) and keyed as stored ones (``core.db.ids.person_keys``), then merged with the
stored people (``core.db.stored_people``) in one pandas merge. Five groups:

- ``matched``: the same person on both sides, nothing compared differs;
- ``differs``: the same person, with the fields that differ named (姓名, 户籍省份, and where the
  list has them 户籍县, 就业区县, 首次来绍就业日期), the province's and the local value;
- ``only_province``: in the list, not stored here (to verify locally);
- ``only_local``: stored here, not in the list (to report to the province);
- ``unmatched``: rows that cannot be matched: an ID number that is not one (its reason as the
  roster's), or one that the list holds more than once (every such row, naming how often and
  the first row).

With a district, a row of the list whose 就业区县 names another district and that matches nobody
here is left out (counted in the summary); a person here who is in the list is matched whatever
district the list names. Province rows are identified by their row number in the file, stored
people by their masked ID number; no full ID number leaves this module.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core import idnumber, normalize, reference
from core.cells import WORKBOOK_OPTIONS, neutralise
from core.i18n import t

GROUPS = ("matched", "differs", "only_province", "only_local", "unmatched")
#: fields compared for a person on both sides, when the list has the column
COMPARED = ("name", "home_province", "home_county", "work_district", "first_employment_date")
PROVINCE_COLUMNS = ("row", "id_number_masked", "name", "home_province", "home_county", "work_district",
                    "first_employment_date")
LOCAL_COLUMNS = ("local_name", "local_home_province", "local_home_county", "local_work_district",
                 "local_first_employment_date")
ONLY_LOCAL_COLUMNS = ("id_number_masked", "name", "home_province", "home_county", "work_district",
                      "first_employment_date", "upload_id", "upload_row")


@dataclass
class Reconciliation:
    groups: dict[str, pd.DataFrame]          # one frame per group (columns above, then the list's own)
    summary: dict
    other_columns: list[str] = field(default_factory=list)   # the list's other columns, by header


def fill(key: str, lang: str = "zh", **values) -> pd.Series:
    """A catalog text with whole columns for its placeholders: ``fill("x", n=series)`` is
    ``t("x", n=…)`` for every row at once (the template split at its placeholders, the pieces
    joined as columns)."""
    names = list(values)
    marked = t(key, lang, **{n: f"\x00{i}\x00" for i, n in enumerate(names)})
    parts = marked.split("\x00")
    index = next(v.index for v in values.values() if isinstance(v, pd.Series))
    out = pd.Series(parts[0], index=index, dtype="string")
    for j in range(1, len(parts)):
        piece = parts[j]
        if j % 2:      # a placeholder's number
            v = values[names[int(piece)]]
            out = out + (v.astype("string").fillna("") if isinstance(v, pd.Series) else str(v))
        elif piece:
            out = out + piece
    return out


def _join(pieces: list[pd.Series], sep: str) -> pd.Series:
    """Row by row, the non-empty pieces joined by ``sep`` (whole columns)."""
    out = pieces[0]
    for p in pieces[1:]:
        out = out + pd.Series(np.where((out != "").to_numpy() & (p != "").to_numpy(), sep, ""), index=out.index) + p
    return out


def _text(s: pd.Series) -> pd.Series:
    """Names and counties as compared: NFKC, no spaces at all; blank is NA (Arrow compute over
    the whole column)."""
    arr = pa.array(normalize.clean_text(s), from_pandas=True, type=pa.large_string())
    arr = pc.replace_substring_regex(arr, r"\s+", "")
    arr = pc.if_else(pc.equal(pc.binary_length(arr), 0), pa.scalar(None, pa.large_string()), arr)
    return pd.Series(pd.arrays.ArrowStringArray(arr.cast(pa.string())), index=s.index)


def _day(s: pd.Series) -> pd.Series:
    d = pd.to_datetime(s, errors="coerce")
    return d.dt.strftime("%Y-%m-%d").astype("string")


def _province_side(frame: pd.DataFrame, has: set[str]) -> pd.DataFrame:
    """The compared values of the list, typed as the stored ones are."""
    blank = pd.Series(pd.NA, index=frame.index, dtype="string")
    out = pd.DataFrame(index=frame.index)
    out["name_cmp"] = _text(frame["name"])
    out["home_province_cmp"] = normalize.parse_province(frame["home_province"].astype("string")).values.astype("string")
    out["home_county_cmp"] = _text(frame["home_county"]) if "home_county" in has else blank
    out["work_district_cmp"] = normalize.parse_district(frame["work_district"].astype("string")).values.astype("string") \
        if "work_district" in has else blank
    out["first_employment_date_cmp"] = _day(normalize.parse_date(frame["first_employment_date"].astype("string")).values) \
        if "first_employment_date" in has else blank
    return out


def _local_side(people: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=people.index)
    out["person_key"] = people["person_key"].astype("string")
    out["name_local"] = _text(people["name"].astype("string"))
    out["home_province_local"] = people["home_province_code"].astype("string")
    out["home_county_local"] = _text(people["home_county"].astype("string"))
    out["work_district_local"] = people["work_district"].astype("string")
    out["first_employment_date_local"] = _day(people["first_employment_date"])
    for c in ("name", "home_province", "home_county", "work_district"):
        out[f"local_{c}"] = people[c].astype("string")
    out["local_first_employment_date"] = _day(people["first_employment_date"])
    out["local_masked"] = people["id_number_masked"].astype("string")
    return out


def _field_label(name: str, lang: str) -> str:
    return t(f"reports.reconcile.field.{name}", lang)


def _header_of(name: str) -> str:
    for c in reference.columns():
        if c.field == name:
            return c.header
    return name


def reconcile(raw, people: pd.DataFrame, district: str | None = None, as_of: dt.date | None = None,
              key: bytes | None = None, lang: str = "zh") -> Reconciliation:
    """The province's list ``raw`` (a RawRoster) against ``people`` (core.db.stored_people)."""
    from core.db import ids

    as_of = as_of or dt.date.today()
    f = raw.frame.reset_index(drop=True)
    has = {c for c in COMPARED if c in f.columns}
    rows = pd.Series(np.asarray(raw.row_numbers, dtype=np.int64), index=f.index)
    check = idnumber.check_ids(f["id_number"].astype("string"), as_of)
    good = (check.error == idnumber.OK)
    norm = check.normalized.astype("string")
    key_ = pd.Series(pd.NA, index=f.index, dtype="string")
    if good.any():
        key_[good] = ids.person_keys(norm[good], key, normalised=True).to_numpy()
    # masked as core.db.ids masks: a good number is 18 characters (two shown at each end); the
    # few others are masked from what was typed
    masked = norm.str[:2] + "*" * 14 + norm.str[-2:]
    if (~good).any():
        masked[~good] = ids.masked(f["id_number"].astype("string").fillna("")[~good]).to_numpy()
    repeated = good & key_.duplicated(keep=False).fillna(False).to_numpy(dtype=bool)

    own = _province_side(f, has)
    base = pd.DataFrame({"row": rows, "id_number_masked": masked.astype("string"),
                         "name": f["name"].astype("string"), "home_province": f["home_province"].astype("string")})
    for c in ("home_county", "work_district", "first_employment_date"):    # where the list has them
        if c in f.columns:
            base[c] = f[c].astype("string")
    other = [c for c in f.columns if c not in {"name", "id_number", "home_province", *has}]
    other_headers = [_header_of(c) for c in other]
    extras = f[other].astype("string").set_axis(other_headers, axis=1) if other else pd.DataFrame(index=f.index)

    # unmatched: ID numbers that are not one, then repeats (every row of a repeated number)
    codes = pd.Series(check.error, index=f.index)
    messages = {int(c): idnumber.error_message(int(c), lang, as_of) for c in np.unique(check.error)}
    bad_reason = codes.map(messages).astype("string")
    bad_reason = fill("reports.reconcile.reason.bad_id", lang, reason=bad_reason)
    grp = key_.where(repeated)
    times = grp.map(grp.value_counts()).astype("Int64")
    first = (rows.groupby(grp).transform("min") if repeated.any() else rows).astype("Int64")
    rep_reason = fill("reports.reconcile.reason.repeated", lang, n=times, first=first)
    un = ~good | repeated
    unmatched = base[un].assign(reason=np.where(good[un], rep_reason[un], bad_reason[un]))

    # the rest, merged with the stored people in one go
    local = _local_side(people)
    cand = pd.concat([base, own], axis=1).assign(person_key=key_)[good & ~repeated]
    merged = cand.merge(local, on="person_key", how="left", indicator=True)
    both = (merged["_merge"] == "both").to_numpy()
    in_list = key_[good]                   # repeats included: they are listed as unmatched, not as only local

    # the fields that differ (compared only where the list has a value)
    masks, pieces, names = {}, [], []
    m = merged
    for c in COMPARED:
        if c not in has and c not in ("name", "home_province"):
            continue
        p, lo = m[f"{c}_cmp"], m[f"{c}_local"]
        diff = (p.notna() & (p.fillna("") != lo.fillna(""))).to_numpy(dtype=bool) & both
        if c in ("name", "home_province"):   # required: blank or unreadable in the list differs too
            diff = (m[c].notna() & (p.fillna("") != lo.fillna(""))).to_numpy(dtype=bool) & both
        masks[c] = diff
        label = _field_label(c, lang)
        shown_p = m[c].astype("string").fillna("")
        shown_l = m[f"local_{c}"].astype("string").fillna("")
        text = fill("reports.reconcile.reason.field", lang, field=label, province=shown_p, local=shown_l)
        pieces.append(text.where(pd.Series(diff, index=m.index), ""))
        names.append(pd.Series(np.where(diff, c, ""), index=m.index, dtype="string"))
    any_diff = np.zeros(len(m), dtype=bool)
    for d in masks.values():
        any_diff |= d
    reasons = _join(pieces, t("reports.reconcile.reason.separator", lang)) if pieces else pd.Series("", index=m.index)
    fields_ = _join(names, ",") if names else pd.Series("", index=m.index)

    prov_cols = [c for c in PROVINCE_COLUMNS if c in base.columns]
    matched = m.loc[both & ~any_diff, prov_cols].assign(reason=t("reports.reconcile.reason.matched", lang))
    differs = m.loc[both & any_diff, prov_cols + list(LOCAL_COLUMNS)].assign(
        fields=fields_[both & any_diff].to_numpy(),
        reason=fill("reports.reconcile.reason.differs", lang, fields=reasons[both & any_diff]).to_numpy())
    elsewhere = np.zeros(len(m), dtype=bool)
    if district and "work_district" in has:
        wd = m["work_district_cmp"]
        elsewhere = (wd.notna() & (wd != district)).to_numpy(dtype=bool) & ~both
    only_p = m.loc[~both & ~elsewhere, prov_cols].assign(reason=t("reports.reconcile.reason.only_province", lang))

    lp = people[~people["person_key"].astype("string").isin(in_list).to_numpy(dtype=bool)]
    only_l = pd.DataFrame({
        "id_number_masked": lp["id_number_masked"].astype("string"), "name": lp["name"].astype("string"),
        "home_province": lp["home_province"].astype("string"), "home_county": lp["home_county"].astype("string"),
        "work_district": lp["work_district"].astype("string"),
        "first_employment_date": _day(lp["first_employment_date"]),
        "upload_id": pd.to_numeric(lp["upload_id"]).astype("Int64"),
        "upload_row": pd.to_numeric(lp["row"]).astype("Int64"),
    }).assign(reason=t("reports.reconcile.reason.only_local", lang)).reset_index(drop=True)

    # the list's other columns, beside its rows
    by_row = extras.set_axis(rows.to_numpy())

    def with_extras(g: pd.DataFrame) -> pd.DataFrame:
        g = g.reset_index(drop=True)
        if not other_headers:
            return g
        return pd.concat([g, by_row.loc[g["row"].to_numpy()].reset_index(drop=True)], axis=1)

    groups = {"matched": with_extras(matched), "differs": with_extras(differs), "only_province": with_extras(only_p),
              "only_local": only_l, "unmatched": with_extras(unmatched.sort_values("row"))}
    summary = {
        "district": district,
        "province_rows": int(len(f)),
        "local_people": int(len(people)),
        **{g: int(len(groups[g])) for g in GROUPS},
        "bad_id": int((~good).sum()),
        "repeated": int(repeated.sum()),
        "other_district": int(elsewhere.sum()),
        "compared": [c for c in COMPARED if c in masks],
    }
    return Reconciliation(groups, summary, other_headers)


# --- output ---------------------------------------------------------------------------------

def _records(frame: pd.DataFrame, other: list[str]) -> list[dict]:
    """Rows as JSON objects: the group's columns (NA as null), ``fields`` as a list, the list's
    other columns under ``other``."""
    own = [c for c in frame.columns if c not in other]
    body = frame[own].astype(object).where(frame[own].notna(), None)
    recs = body.to_dict("records")
    if "fields" in own:
        lists = frame["fields"].fillna("").str.split(",")
        for r, fl in zip(recs, lists):
            r["fields"] = [x for x in fl if x]
    cols = [c for c in other if c in frame.columns]
    if cols:
        extra = frame[cols].astype(object).where(frame[cols].notna(), None).to_dict("records")
        for r, e in zip(recs, extra):
            r["other"] = e
    return recs


def to_json_dict(rec: Reconciliation) -> dict:
    """The object ``python -m core reconcile --format json`` prints."""
    out = {g: _records(rec.groups[g], rec.other_columns) for g in GROUPS}
    out["summary"] = rec.summary
    return out


def _column_label(name: str, lang: str) -> str:
    key = f"reports.reconcile.col.{name}"
    from core.i18n import has

    return t(key, lang) if has(key, lang) or has(key) else name


def shown(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A group's frame with the catalog's headers (the list's own columns under their own),
    every text cell safe to open in a spreadsheet."""
    first = [c for c in ("row", "id_number_masked", "name", "reason") if c in frame.columns]
    out = frame[first + [c for c in frame.columns if c not in first]].copy()     # the reason where it is read
    if "fields" in out.columns:
        labels = {c: _field_label(c, lang) for c in COMPARED}
        out["fields"] = out["fields"].fillna("").str.split(",").map(
            lambda xs: t("common.enum_separator", lang).join(labels.get(x, x) for x in xs if x))
    for c in out.columns:            # a blank cell is blank on screen, not "None"
        if pd.api.types.is_string_dtype(out[c].dtype) or pd.api.types.is_object_dtype(out[c].dtype):
            out[c] = out[c].astype("string").fillna("")
    out = out.rename(columns={c: _column_label(c, lang) for c in out.columns})
    return neutralise(out)


def _sheet(wb, name: str, frame: pd.DataFrame, head) -> None:
    """A sheet of text and numbers written row by row (XlsxWriter, no per-cell pandas)."""
    ws = wb.add_worksheet(name)
    ws.write_row(0, 0, [str(c) for c in frame.columns], head)
    ws.set_column(0, max(len(frame.columns) - 1, 0), 16)
    cols = []
    for c in frame.columns:
        s = frame[c]
        values = s.astype(object).to_numpy()
        cols.append(np.where(s.isna().to_numpy(), None, values).tolist())
    write = ws.write_row
    for i, values in enumerate(zip(*cols), start=1):
        write(i, 0, values)


def to_xlsx_bytes(rec: Reconciliation, lang: str = "zh") -> bytes:
    """One workbook: a summary sheet, then one sheet per group (every text cell neutralised)."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": False, **WORKBOOK_OPTIONS})
    head = wb.add_format({"bold": True, "bg_color": "#E7EEF7"})
    keys = ("province_rows", "local_people", *GROUPS, "bad_id", "repeated", "other_district")
    summary = pd.DataFrame({
        t("reports.reconcile.col.item", lang): [t(f"reports.reconcile.summary.{k}", lang) for k in keys],
        t("reports.reconcile.col.count", lang): [rec.summary[k] for k in keys]})
    _sheet(wb, t("reports.reconcile.sheet.summary", lang), summary, head)
    for g in GROUPS:
        _sheet(wb, t(f"reports.reconcile.sheet.{g}", lang), shown(rec.groups[g], lang), head)
    wb.close()
    return buf.getvalue()
