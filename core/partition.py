"""The unit a cluster calls: a roster cut into partitions that each hold ALL rows of their people.

The only rule that needs several rows together is the repeated ID number (ROSTER.md: the first
row of a person counts, later ones are errors quoting the first row's number). Everything else is
decided row by row. So a roster may be evaluated piece by piece as long as every row of a person
lands in the same piece, and each row keeps its global row number (the one Excel shows):

- :func:`person_bucket` gives every row a bucket from its NORMALISED ID number
  (``core.idnumber.normalise``: spaces removed, full-width digits folded, lower-case x upper-cased):
  a fixed 64-bit FNV-1a hash of the UTF-8 text (not Python's ``hash()``, which changes between
  processes), so the same person gets the same bucket on every process and machine. A row whose ID
  number is blank has no person to meet (a blank number is an error, never a duplicate); it is put
  in a bucket from its row number, so blank numbers spread over the buckets.
- :func:`evaluate_partition` evaluates one partition (the raw text columns under their field
  names, plus ``row``) exactly as the whole-file command does and returns the result columns with
  a fixed schema (:func:`result_schema`): the columns of the officer's download under the keys of
  ``core.output.export_columns`` (``claim_closed`` as a boolean: its words need the roster's
  deadline, a reduction), the officer's own columns as ``input:<name>``, and a few typed columns
  (``_…``) the reductions read.
- :func:`partition_summary` / :func:`combine_summaries` and :func:`progress_counts` /
  :func:`combine_progress` are the reductions. ``core.progress`` counts a person once, in the
  year of their earliest date; every row of a person is in one partition, so the per-partition
  minimum is the person's minimum and the counts add up exactly.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.items import ITEMS

ROW = "row"
BUCKET = "_bucket"
# cells the reader found wrong, when it read the file whole: "<n>:<key>:<column>" per issue of the
# reader's list (n its place there), joined by ISSUE_SEP (see core.partition_io)
ISSUES, ISSUE_SEP = "_issues", "\x1e"
PASSTHROUGH = "input:"
# the typed columns of a partition's result that the reductions read
VALID, DEADLINE, CATEGORY, HELPED_NOW, COUNTED_YEAR = "_valid", "_claim_deadline", "_category", "_helped_now", "_counted_year"

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
#: bytes of a normalised number that go into its hash (an 18-character number is 18 bytes; a
#: longer text is an error row, hashed on its first bytes and its length)
_HASH_BYTES = 64

_INT_COLUMNS = ("social_insurance_months", "continuous_months", "self_rented_months", "rent_counted_months",
                "employer_social_insurance_months", "total_to_worker", "total_payable_to_worker", ROW, *ITEMS)
_DATE_COLUMNS = ("first_employment_date", "certificate_date")


# --------------------------------------------------------------------------- buckets

def _fnv1a(arr: pa.Array) -> np.ndarray:
    """64-bit FNV-1a of each string's UTF-8 bytes (first ``_HASH_BYTES`` bytes, then its length),
    on whole columns: one numpy step per byte position."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.cast(pa.large_string()) if not pa.types.is_large_string(arr.type) else arr
    n = len(arr)
    h = np.full(n, _FNV_OFFSET, dtype=np.uint64)
    if n == 0:
        return h
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, np.int64)[arr.offset:arr.offset + n + 1]
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    with np.errstate(over="ignore"):
        for j in range(int(min(lengths.max(initial=0), _HASH_BYTES))):
            has = lengths > j
            byte = np.zeros(n, dtype=np.uint64)
            byte[has] = data[offsets[:-1][has] + j]
            h = np.where(has, (h ^ byte) * _FNV_PRIME, h)
        h = (h ^ lengths.astype(np.uint64)) * _FNV_PRIME
    return h


def person_bucket(id_numbers, n: int, rows=None) -> np.ndarray:
    """The bucket (0 … n-1, int32) of each row from its ID number as typed: equal normalised
    numbers always share a bucket, on any process or machine. ``rows`` (the global row numbers)
    spread the rows with a blank number; without them those rows go to bucket 0."""
    from core.idnumber import normalise

    if n < 1:
        raise ValueError("n must be at least 1")
    s = id_numbers if isinstance(id_numbers, pd.Series) else pd.Series(id_numbers, dtype="string")
    norm = pa.array(normalise(s).array) if len(s) else pa.array([], pa.large_string())
    if isinstance(norm, pa.ChunkedArray):
        norm = norm.combine_chunks()
    blank = norm.is_null().to_numpy(zero_copy_only=False)
    bucket = (_fnv1a(pc.fill_null(norm, "")) % np.uint64(n)).astype(np.int32)
    if blank.any():
        spread = np.asarray(rows, dtype=np.int64)[blank] % n if rows is not None else 0
        bucket[blank] = spread
    return bucket


# --------------------------------------------------------------------------- the unit

def output_columns(unknown_columns) -> list[str]:
    """The download's columns under their keys (core.output.export_columns), then the officer's."""
    from core.output import export_columns

    return [k for k, _ in export_columns()] + [PASSTHROUGH + c for c in unknown_columns]


def result_schema(unknown_columns) -> pa.Schema:
    """The fixed schema of :func:`evaluate_partition`'s result for a roster whose own (unknown)
    columns are ``unknown_columns``: the same for every partition, empty ones included."""
    fields = []
    for key in output_columns(unknown_columns):
        if key in _INT_COLUMNS:
            typ = pa.int64()
        elif key in _DATE_COLUMNS:
            typ = pa.date32()
        elif key == "training_cost":
            typ = pa.float64()
        elif key == "claim_closed":
            typ = pa.bool_()
        else:
            typ = pa.string()
        fields.append(pa.field(key, typ))
    fields += [pa.field(VALID, pa.bool_()), pa.field(DEADLINE, pa.date32())]
    for item in ITEMS:
        fields += [pa.field(f"_amount_{item}", pa.int64()), pa.field(f"_payable_{item}", pa.int64())]
    fields += [pa.field(CATEGORY, pa.string()), pa.field(HELPED_NOW, pa.bool_()), pa.field(COUNTED_YEAR, pa.int32())]
    return pa.schema(fields)


def _column(values, typ: pa.DataType, dictionary: bool = False) -> pa.Array:
    """``values`` as an Arrow array of ``typ``; a categorical of text stays dictionary-encoded
    when ``dictionary`` (the CSV writer takes it as it is: one copy of each distinct text)."""
    if isinstance(values.dtype, pd.CategoricalDtype) and dictionary and typ == pa.string():
        cat = values.array if isinstance(values, pd.Series) else values
        words = cat.categories
        if pd.api.types.is_string_dtype(words.dtype) or pd.api.types.is_object_dtype(words.dtype):
            codes = np.asarray(cat.codes)        # the words as they are, by code: no conversion per row
            try:
                return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0),
                                                      pa.array(np.asarray(words, dtype=object), pa.string()))
            except (pa.ArrowInvalid, pa.ArrowTypeError):     # categories that are not all text
                pass
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        arr = pa.array(values, from_pandas=True)          # a dictionary: its values decoded below
    else:
        arr = pa.array(values, from_pandas=True) if not isinstance(values, pa.Array) else values
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        if dictionary and typ == pa.string() and pa.types.is_string(arr.type.value_type):
            return arr
        arr = arr.dictionary_decode()
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), typ)
    if dictionary and typ == pa.string() and pa.types.is_large_string(arr.type):
        return arr            # the CSV writer takes it as it is: no copy to 32-bit offsets
    return arr.cast(typ)


def _evaluated(raw, as_of: dt.date, standards, only_district, lang, repeats, ids=None, as_frame: bool = True,
               lengths_checked: bool = False):
    """(the engine's result, the download's columns as written, the officer's own columns) of
    one partition or batch (a frame, or an Arrow table of text columns: no round trip through
    pandas), its rows in order of ``row``. ``as_frame=False``: the download's columns as a list,
    not yet made safe for a spreadsheet (``_written_columns(..., safe=True)`` does it in Arrow).
    ``lengths_checked``: no cell is longer than Excel allows (the caller checked every cell)."""
    from core.cells import neutralise
    from core.engine import INPUT_FIELDS, evaluate_roster
    from core.output import export_data, export_frame
    from core.reader_base import RawRoster, _control_characters, _types_mapper

    arrow = isinstance(raw, pa.Table)
    rows = (raw.column(ROW) if arrow else raw[ROW]).to_numpy().astype(np.int64, copy=False)
    if len(rows) > 1 and not (np.diff(rows) > 0).all():
        order = np.argsort(rows, kind="stable")
        raw, rows = (raw.take(pa.array(order)) if arrow else raw.iloc[order]), rows[order]
        repeats = None if repeats is None else np.asarray(repeats)[order]
        ids = None
    names = [c for c in (raw.column_names if arrow else raw.columns) if c not in (ROW, BUCKET, ISSUES)]
    if arrow:
        table = raw.select(names).cast(pa.schema([pa.field(c, pa.string()) for c in names]))
    else:
        table = pa.table({c: _column(raw[c], pa.string()) for c in names}) if names else pa.table({})
    # the reader's cell check, row by row: a control character is a row error naming its column
    table, issues = _control_characters(table, rows, lengths=not lengths_checked)
    if ISSUES in (raw.column_names if arrow else raw.columns):
        issues = _read_issues(raw.column(ISSUES) if arrow else raw[ISSUES]) + issues
    frame = table.to_pandas(types_mapper=_types_mapper, split_blocks=True, self_destruct=True)
    frame.index = pd.RangeIndex(len(frame))
    frame.attrs["reader_issues"] = issues
    unknown = [c for c in names if c not in INPUT_FIELDS]
    result = evaluate_roster(RawRoster(frame, rows, 0, 0, unknown, "partition", None, None, issues),
                             as_of, standards, only_district, lang, item_texts=False, repeats=repeats, ids=ids)
    if not as_frame:
        return result, list(export_data(result, lang).values()), unknown
    return result, neutralise(export_frame(result, lang)), unknown


def _written_columns(result, written, schema: pa.Schema, dictionary: bool = False,
                     safe: bool = False) -> list[pa.Array]:
    """The download's columns of ``schema`` (the first ones), ``claim_closed`` as a boolean.
    ``written``: a frame, or a list of its columns; ``safe``: its text columns made safe for a
    spreadsheet here, in Arrow (``core.cells.safe_array``, what ``neutralise`` does to a frame)."""
    from core.cells import _is_text, safe_array

    columns = []
    count = len(written) if isinstance(written, list) else written.shape[1]
    for j, fld in enumerate(schema):
        if fld.name == "claim_closed":
            columns.append(pa.array(result.frame["claim_closed"].to_numpy(dtype=bool)))
        elif j < count:
            values = written[j] if isinstance(written, list) else written.iloc[:, j]
            arr = _column(values, fld.type, dictionary)
            dtype = values.dtype
            if safe and _is_text(dtype.categories.dtype if isinstance(dtype, pd.CategoricalDtype) else dtype):
                if pd.api.types.is_object_dtype(dtype):
                    raise TypeError("object columns are made safe by core.cells.neutralise")
                arr = safe_array(arr)
            columns.append(arr)
    return columns


def export_table(raw, as_of: dt.date, standards: dict | None = None, only_district: str | None = None,
                 lang: str = "zh", repeats=None, ids=None, lengths_checked: bool = False) -> tuple[pa.Table, dict]:
    """A batch of rows (as :func:`evaluate_partition` takes them) as the download's columns
    under their keys (``claim_closed`` a boolean; the words of the app, statuses and explanations,
    dictionary-encoded text) and its summary (``RosterResult.summary``). ``repeats``: the
    repeated ID numbers found over the whole file (``core.validate.validate``); without them the
    batch must hold all rows of its people. ``raw`` may be an Arrow table of the same columns;
    ``ids``: its ID numbers already checked (``core.idnumber.check_ids``, rows in order);
    ``lengths_checked``: its cells' lengths too (``core.reader_limits.check_cell_lengths``)."""
    result, written, unknown = _evaluated(raw, as_of, standards, only_district, lang, repeats, ids, as_frame=False,
                                          lengths_checked=lengths_checked)
    keys = output_columns(unknown)
    schema = pa.schema(list(result_schema(unknown))[:len(keys)])
    columns = _written_columns(result, written, schema, dictionary=True, safe=True)
    return pa.Table.from_arrays(columns, names=keys), result.summary


def evaluate_partition_table(raw: pd.DataFrame, as_of: dt.date, standards: dict | None = None,
                             only_district: str | None = None, lang: str = "zh", repeats=None) -> pa.Table:
    """:func:`evaluate_partition` as an Arrow table (the local engine writes it without pandas)."""
    from core.progress import helped_now

    result, written, unknown = _evaluated(raw, as_of, standards, only_district, lang, repeats)
    schema = result_schema(unknown)
    f = result.frame
    columns = _written_columns(result, written, schema)
    valid = f["valid"].to_numpy(dtype=bool)
    deadline = dt.date.fromisoformat(result.summary["claim_deadline"])
    columns.append(pa.array(valid))
    columns.append(pa.array(np.full(len(f), np.datetime64(deadline, "D")), pa.date32()))
    for item in ITEMS:
        columns.append(pa.array(f[item].to_numpy(dtype=np.int64)))
        columns.append(pa.array(f[f"{item}_payable"].to_numpy(dtype=np.int64)))
    columns.append(_column(f["category"], pa.string()))
    # the per-person minimum of this partition (core.progress.counted_people): within one roster
    # a repeated number is an error row, so every valid person is one row and their earliest date
    # is that row's; counted rows carry their year and sichuan_helped by today's list of counties
    counted = valid & f["category"].isin(["paired_four", "other_central_western"]).to_numpy(dtype=bool)
    year = np.full(len(f), -1, dtype=np.int64)
    helped = np.zeros(len(f), dtype=bool)
    at = np.flatnonzero(counted)
    if at.size:
        year[at] = f["year"].to_numpy(dtype=np.int64, na_value=-1)[at]
        helped[at] = helped_now(f.iloc[at]).to_numpy(dtype=bool)
    columns.append(pa.array(helped))
    columns.append(pa.array(year, mask=year < 0, type=pa.int32()))
    return pa.Table.from_arrays(columns, schema=schema)


def _read_issues(column) -> list:
    """The reader's issues of these rows, in the reader's order, from the ``_issues`` column."""
    found: dict[tuple[int, str, str], list[int]] = {}
    for pos, text in enumerate(column.to_pylist() if isinstance(column, pa.ChunkedArray) else column.tolist()):
        if isinstance(text, str) and text:
            for tag in text.split(ISSUE_SEP):
                k, key, col = tag.split(":", 2)
                found.setdefault((int(k), key, col), []).append(pos)
    return [(key, col, np.asarray(at, dtype=np.int64)) for (_, key, col), at in sorted(found.items())]


def evaluate_partition(raw: pd.DataFrame, as_of: dt.date, standards: dict | None = None,
                       only_district: str | None = None, lang: str = "zh") -> pd.DataFrame:
    """Evaluate one partition: ``raw`` holds the text columns of a roster under their field names
    (as ``core.reader`` names them; the officer's own columns under their header) and ``row``,
    the global row number of each row, and holds every row of each of its people. Returns one
    row per input row, ordered by ``row``, with the fixed schema :func:`result_schema`. A
    ``_bucket`` column, when present, is ignored."""
    return evaluate_partition_table(raw, as_of, standards, only_district, lang).to_pandas(
        types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)


# --------------------------------------------------------------------------- reductions

def _values(result, name: str) -> np.ndarray:
    col = result.column(name) if isinstance(result, pa.Table) else pa.array(result[name], from_pandas=True)
    return np.asarray(col.to_numpy(zero_copy_only=False))


def partition_summary(result) -> dict:
    """The summary's sums over one partition's result (a frame or an Arrow table)."""
    valid = _values(result, VALID).astype(bool)
    deadlines = _values(result, DEADLINE)
    out = {
        "rows": int(len(valid)),
        "valid": int(valid.sum()),
        "amounts": {item: int(_values(result, f"_amount_{item}").sum()) for item in ITEMS},
        "payable": {item: int(_values(result, f"_payable_{item}").sum()) for item in ITEMS},
        "total_to_worker": int(_values(result, "total_to_worker").sum()),
        "total_payable_to_worker": int(_values(result, "total_payable_to_worker").sum()),
        "claim_deadline": str(np.asarray(deadlines, dtype="datetime64[D]").max()) if len(deadlines) else None,
    }
    return out


def combine_summaries(parts: list[dict], as_of: dt.date, blank_rows: int = 0,
                      standards: dict | None = None) -> dict:
    """The whole roster's summary (``RosterResult.summary``) from the partitions' sums."""
    from core import reference

    deadlines = [p["claim_deadline"] for p in parts if p.get("claim_deadline")]
    deadline = max(deadlines) if deadlines else reference.policies()[0]["claim_deadline"].isoformat()
    rows = sum(p["rows"] for p in parts)
    valid = sum(p["valid"] for p in parts)
    return {
        "rows": rows,
        "valid": valid,
        "errors": rows - valid,
        "blank_rows": int(blank_rows),
        "amounts": {item: sum(p["amounts"][item] for p in parts) for item in ITEMS},
        "total_to_worker": sum(p["total_to_worker"] for p in parts),
        "payable": {item: sum(p["payable"][item] for p in parts) for item in ITEMS},
        "total_payable_to_worker": sum(p["total_payable_to_worker"] for p in parts),
        "as_of": as_of.isoformat(),
        "claim_deadline": deadline,
        "claim_closed": as_of > dt.date.fromisoformat(deadline),
        "employer_standard": (standards or {}).get("employer_social_insurance.monthly"),
    }


def progress_counts(result, year: int) -> dict:
    """The people one partition counts toward the targets of ``year``: ``{"city": counts,
    "by_district": {district: counts}}`` (the counts of ``core.progress``), from the per-person
    minima of :func:`evaluate_partition`."""
    from core import reference

    years = _values(result, COUNTED_YEAR)
    take = np.flatnonzero(pd.array(years, dtype="Int64").to_numpy(dtype=np.int64, na_value=-1) == int(year))
    cat = _values(result, CATEGORY)[take].astype(object)
    helped = _values(result, HELPED_NOW)[take].astype(bool)
    district = _values(result, "work_district")[take].astype(object)

    def counts(here: np.ndarray) -> dict:
        paired = int((here & (cat == "paired_four")).sum())
        other = int((here & (cat == "other_central_western")).sum())
        return {"total": paired + other, "paired_four": paired, "other_central_western": other,
                "sichuan_helped": int((here & helped).sum())}

    return {"city": counts(np.ones(len(take), dtype=bool)),
            "by_district": {name: counts(district == name) for name in reference.districts()["name"]}}


def combine_progress(parts: list[dict], year: int, targets: dict | None = None) -> dict:
    """``python -m core progress``'s object (ROSTER.md) from the partitions' counts."""
    from core import reference
    from core.progress import KEYS, targets_for

    by_district = {name: {k: sum(p["by_district"][name][k] for p in parts) for k in KEYS}
                   for name in reference.districts()["name"]}
    city = {k: sum(p["city"][k] for p in parts) for k in KEYS}
    return {"year": int(year), "city": city, "targets": targets_for(year, targets), "by_district": by_district}
