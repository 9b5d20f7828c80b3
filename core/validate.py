"""From the text an officer typed to the typed columns the rules read, with every error of every row.

Every row that comes in goes out: a row with errors is kept, with all its reasons (not only the
first), and is evaluated as invalid (paid nothing). Work is done on whole columns.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core import idnumber, normalize, reference
from core.i18n import t
from core.items import REGISTRY
from core.rules import NO_CERTIFICATE, OTHER_CERTIFICATE, first_appearances, small_codes

# Joins the messages of one row inside result frames and the database. A control character, so a
# message that quotes what an officer typed (which may contain "；") is never cut in two; shown to
# people only through ``readable`` (the catalog's separator) and split only by ``split``.
SEP = "\x1f"


def split(text) -> list[str]:
    """The separate messages of one row's joined text."""
    return [x for x in text.split(SEP) if x] if isinstance(text, str) and text else []


def readable(texts, lang: str = "zh") -> pd.arrays.ArrowExtensionArray:
    """Joined message texts (a column) as people read them: the catalog's list separator."""
    values = np.asarray(texts, dtype=object)
    try:
        said = np.flatnonzero(values != "")     # most rows have none: only the others are converted
    except TypeError:                           # pd.NA among them (a column of pandas strings)
        said = np.arange(len(values))
    arr = pa.array(values[said], type=pa.string(), from_pandas=True)
    arr = pc.replace_substring(arr, SEP, t("common.list_separator", lang))
    if len(said) < len(values):             # back to every row: "" where nothing was said
        at = np.full(len(values), len(said), dtype=np.int64)
        at[said] = np.arange(len(said))
        arr = pc.take(pa.concat_arrays([arr, pa.array([""], pa.string())]), pa.array(at))
    return pd.arrays.ArrowExtensionArray(arr)


def _sanitised(msg):
    """A message or column of messages without the internal separator."""
    if isinstance(msg, str):
        return msg.replace(SEP, " ")
    s = pd.Series(msg, dtype=object)
    has = s.str.contains(SEP, regex=False).fillna(False).to_numpy(dtype=bool)
    return s.str.replace(SEP, " ", regex=False).to_numpy(dtype=object) if has.any() else msg


# What identifies the person or decides coverage: a problem here is an error of the whole row.
# Every other column feeds some items only: a problem there makes those items errors (RULES.md,
# "Errors on one item do not hide the others"), marked ``_bad_<field>`` in the typed frame.
ROW_FIELDS = ("name", "id_number", "home_province", "registered_poor", "first_employment_date", "work_district")
#: the columns that feed some items: each item's ``inputs`` (core.items)
ITEM_FIELDS = frozenset(field for item in REGISTRY for field in item.inputs)
#: core.reader's key of a formula cell saved with no computed value
FORMULA_NO_VALUE = "formula_no_value"


@dataclass
class Validated:
    typed: pd.DataFrame  # the columns of core.rules plus the normalised input fields
    errors: np.ndarray  # object array of str, "" when the row has none
    warnings: np.ndarray
    valid: np.ndarray  # bool: no error of the whole row (items may still have errors)


class Messages:
    """Accumulates texts per row without touching rows that have none."""

    def __init__(self, n: int, start: np.ndarray | None = None):
        self.text = np.full(n, "", dtype=object) if start is None else start.copy()

    def add(self, mask: np.ndarray, message) -> None:
        """Append ``message`` (one str, or an array of str per row) where ``mask`` holds."""
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        self.add_rows(idx, message if isinstance(message, str) else np.asarray(message, dtype=object)[idx])

    def add_rows(self, idx: np.ndarray, message) -> None:
        """Append ``message`` (one str, or one str per row of ``idx``) to the rows ``idx``. Only
        those rows are touched: a message that quotes each row is built for them alone."""
        if idx.size == 0:
            return
        msg = _sanitised(message)
        current = self.text[idx]
        joined = np.where(current == "", "", current + SEP) + msg
        self.text[idx] = joined


def _around(key: str, lang: str, slot: str, **fmt) -> tuple[str, str]:
    """The message text before and after its one per-row placeholder ``slot``."""
    before, _, after = t(key, lang, **{slot: "\0"}, **fmt).partition("\0")
    return before, after


def _col(raw: pd.DataFrame, field: str) -> pd.Series:
    if field in raw.columns:
        return raw[field]
    return pd.Series(pd.NA, index=raw.index, dtype="string")


def _quoted(values: pd.Series, idx: np.ndarray) -> np.ndarray:
    """The text of the cells at positions ``idx``, for messages that quote what was typed."""
    return values.iloc[idx].astype("string").fillna("").to_numpy(dtype=object)


def _names(names: np.ndarray, positions: np.ndarray, index: pd.Index) -> pd.Series:
    """A text column of ``names[position]`` per row, NA where the position is -1 (pyarrow take
    from the few names, not a million-row object array)."""
    dictionary = pa.array(names, type=pa.large_string())
    taken = pc.take(dictionary, pa.array(positions, mask=positions < 0, type=pa.int32()))
    return normalize._string_series(taken, index)


def _only(values: pd.Series, keep: np.ndarray) -> pd.Series:
    """A text column with NA where ``keep`` does not hold (one pyarrow step, no pandas ``where``)."""
    arr = normalize._to_arrow(values)
    return normalize._string_series(pc.if_else(pa.array(keep), arr, pa.scalar(None, arr.type)), values.index)


def validate(
    frame: pd.DataFrame,
    row_numbers: np.ndarray,
    as_of: dt.date,
    only_district: str | None = None,
    lang: str = "zh",
    repeats: np.ndarray | None = None,
    ids: idnumber.IdCheck | None = None,
) -> Validated:
    """Check and type a roster whose columns are the field names of ``data/columns.yaml``.

    ``repeats`` (a batch of a longer roster, ``core.partition_stream``): per row, the row number
    of the first row of the same person when this row repeats an earlier one of the roster, else
    -1; found by the caller over the whole file, so a person's rows need not be in this frame.
    ``ids``: ``idnumber.check_ids`` of the ID column as the caller already ran it (same rows)."""
    n = len(frame)
    cols = {c.field: c for c in reference.columns()}
    errors = Messages(n)
    warnings = Messages(n)
    typed: dict[str, object] = {}     # the columns, made a frame once at the end
    row_bad = np.zeros(n, dtype=bool)
    bad: dict[str, np.ndarray] = {}

    def mark(field: str, mask: np.ndarray) -> None:
        """A problem of ``field`` on the rows of ``mask``: of the whole row, or of the items it feeds."""
        nonlocal row_bad
        if field in ROW_FIELDS:
            row_bad = row_bad | mask
        else:
            bad[field] = bad.get(field, np.zeros(n, dtype=bool)) | mask

    # a formula saved with no computed value (core.reader) reads as an empty cell: it is said as
    # what it is, once, at the end, and not also as a missing value
    formula_cells: dict[str, np.ndarray] = {}
    for key, column, positions in frame.attrs.get("reader_issues", ()):
        if key == FORMULA_NO_VALUE and column in cols:
            formula_cells.setdefault(column, np.zeros(n, dtype=bool))[np.asarray(positions, dtype=np.int64)] = True

    def not_a_formula(field: str, mask: np.ndarray) -> np.ndarray:
        return mask & ~formula_cells[field] if field in formula_cells else mask

    def required_missing(field: str, blank: np.ndarray) -> None:
        if cols[field].required:
            blank = not_a_formula(field, blank)
            errors.add(blank, t("validate.missing", lang, header=cols[field].header))
            mark(field, blank)

    def invalid(field: str, mask: np.ndarray, values: pd.Series, key: str | None = None,
                into: Messages | None = None) -> None:
        idx = np.flatnonzero(mask)
        if idx.size:   # the message quotes the cell: built for the flagged rows only
            before, after = _around(key or f"validate.invalid.{field}", lang, "value", header=cols[field].header,
                                    as_of=as_of.isoformat())
            (into or errors).add_rows(idx, before + _quoted(values, idx) + after)
        if into is None:
            mark(field, mask)

    def after_the_check(field: str, parsed, raw: pd.Series) -> np.ndarray:
        """A date after the day of the check has not happened yet: an error quoting it."""
        later = (parsed.values > pd.Timestamp(as_of)).to_numpy(dtype=bool, na_value=False)
        invalid(field, later, raw, "validate.invalid.after_check")
        return later

    # 姓名
    # an Excel error value (#N/A ...) in a text column is not a name, county, employer or organiser
    name, excel_error = normalize.clean_text_refusing(_col(frame, "name"), normalize.EXCEL_ERRORS)
    required_missing("name", name.isna().to_numpy())
    invalid("name", excel_error, name, "validate.invalid.excel_error")
    typed["name"] = name

    # 身份证号
    raw_id = _col(frame, "id_number")
    ids = ids if ids is not None and len(ids.person) == n else idnumber.check_ids(raw_id, as_of)
    flagged = np.flatnonzero(ids.flags)   # one message for every check a number fails
    flags = ids.flags[flagged]
    for code, key in idnumber.ERROR_KEYS.items():
        if code == idnumber.OK:
            continue
        rows = flagged[idnumber.failing(flags, code)]
        if code == idnumber.BLANK:
            blank_id = np.zeros(n, dtype=bool)
            blank_id[rows] = True
            required_missing("id_number", blank_id)
        elif rows.size:
            errors.add_rows(rows, t(key, lang, as_of=as_of.isoformat()))
    typed["id_number"] = ids.normalized
    id_ok = ids.flags == 0
    mark("id_number", ~id_ok)

    # 户籍省份
    raw_prov = _col(frame, "home_province")
    prov = normalize.parse_province(raw_prov)
    required_missing("home_province", prov.blank)
    invalid("home_province", prov.invalid, raw_prov)
    typed["home_province_code"] = prov.values
    province_codes = reference.provinces()["code"]
    declared = small_codes(prov.values, province_codes)
    province_names = np.append(reference.provinces()["name"].to_numpy(dtype=object), None)
    typed["home_province"] = _names(province_names[:-1], declared, frame.index)
    from_id = small_codes(ids.province, province_codes)
    mismatch = id_ok & (declared >= 0) & (from_id >= 0) & (from_id != declared)
    if mismatch.any():
        idx = np.flatnonzero(mismatch)
        warnings.add_rows(idx, _pair_texts(province_names[from_id[idx]], province_names[declared[idx]], lang))

    # 户籍县
    county, excel_error, helped = normalize.normalise_county_helped(_col(frame, "home_county"), normalize.EXCEL_ERRORS,
                                                                    _only(ids.region, id_ok))
    # the county decides no item, only sichuan_helped (where the ID number's region then decides)
    invalid("home_county", excel_error, county, "validate.invalid.excel_error", into=warnings)
    typed["home_county"] = county
    typed["county_helped"] = helped

    # 建档立卡
    raw_poor = _col(frame, "registered_poor")
    poor = normalize.parse_yes_no(raw_poor)
    required_missing("registered_poor", poor.blank)
    invalid("registered_poor", poor.invalid, raw_poor)
    typed["registered_poor"] = poor.values

    # 首次来绍就业日期
    raw_first = _col(frame, "first_employment_date")
    first = normalize.parse_date(raw_first)
    required_missing("first_employment_date", first.blank)
    invalid("first_employment_date", first.invalid, raw_first, "validate.invalid.date")
    after_the_check("first_employment_date", first, raw_first)
    typed["first_employment_date"] = first.values

    # 就业区县
    raw_district = _col(frame, "work_district")
    district = normalize.parse_district(raw_district)
    required_missing("work_district", district.blank)
    invalid("work_district", district.invalid, raw_district)
    typed["work_district"] = district.values
    no_district = district.values.isna().to_numpy()
    typed["works_in_shaoxing"] = pd.arrays.BooleanArray(~no_district, no_district)   # True, or NA
    if only_district is not None:
        other = district.values.notna().to_numpy() & (district.values.to_numpy(dtype=object, na_value="") != only_district)
        errors.add(other, t("validate.other_district", lang, district=only_district))
        mark("work_district", other)

    # 用人单位, 组织输入机构
    # 无, 自行来绍, / …: no entity is named (RULES.md, "Placeholders are not names")
    employer, excel_error, employer_named = normalize.clean_text_named(_col(frame, "employer"), normalize.EXCEL_ERRORS)
    invalid("employer", excel_error, employer, "validate.invalid.excel_error")
    organizer, excel_error, organizer_named = normalize.clean_text_named(_col(frame, "organizer"), normalize.EXCEL_ERRORS)
    invalid("organizer", excel_error, organizer, "validate.invalid.excel_error")
    typed["employer"] = employer
    typed["organizer"] = organizer
    typed["employer_named"] = pd.array(employer_named, dtype="boolean")
    typed["organizer_named"] = pd.array(organizer_named, dtype="boolean")

    # whole numbers
    for field in ("social_insurance_months", "continuous_months", "self_rented_months"):
        raw_v = _col(frame, field)
        parsed = normalize.parse_whole_number(raw_v)
        required_missing(field, parsed.blank)
        invalid(field, parsed.invalid, raw_v, "validate.invalid.whole_number")
        values = parsed.values
        if field == "self_rented_months":  # ROSTER.md: blank = 0
            values = values.where(~pd.Series(parsed.blank, index=values.index), 0)
        typed[field] = values

    # 职业资格等级, 取证日期, 培训费用
    raw_level = _col(frame, "certificate_level")
    level = normalize.parse_skill_level(raw_level)
    invalid("certificate_level", level.invalid, raw_level)
    level_text = normalize._to_arrow(level.values)   # blank: no certificate; unreadable stays NA
    level_text = pc.if_else(pa.array(level.blank), pa.scalar(NO_CERTIFICATE, level_text.type), level_text)
    typed["certificate_level"] = normalize._string_series(level_text, frame.index)
    raw_cdate = _col(frame, "certificate_date")
    cdate = normalize.parse_date(raw_cdate)
    invalid("certificate_date", cdate.invalid, raw_cdate, "validate.invalid.date")
    cert_later = after_the_check("certificate_date", cdate, raw_cdate)
    # a level is given (a 职业资格 level, or one that cannot be read): its date is required
    has_level = ~level.blank & (level.values.to_numpy(dtype=object, na_value="") != OTHER_CERTIFICATE)
    no_date = not_a_formula("certificate_date", has_level & cdate.blank)
    errors.add(no_date, t("validate.certificate_date_missing", lang))
    mark("certificate_date", no_date)
    # a date that has not happened is wrong data: no condition is decided by it (the item is an error)
    typed["certificate_date"] = cdate.values.where(~cert_later) if cert_later.any() else cdate.values
    raw_cost = _col(frame, "training_cost")
    cost = normalize.parse_money(raw_cost)
    invalid("training_cost", cost.invalid, raw_cost)
    typed["training_cost"] = cost.values

    # the same person twice in one file: the first row counts, later ones are errors. A valid
    # number is one integer (ids.person: its first 17 digits, which decide the check character).
    dup = np.zeros(n, dtype=bool)
    first_of_person = np.full(n, -1, dtype="int64")     # -1: no readable ID number
    order = np.flatnonzero(id_ok)
    if repeats is not None:
        dup = np.asarray(repeats, dtype=np.int64) >= 0
    elif order.size:
        codes, _ = pd.factorize(ids.person[order])
        first = first_appearances(codes)
        first_of_person[order] = order[first][codes]     # order[first] lists the first rows by code
        dup[order] = ~first
    typed["_first_of_person"] = first_of_person
    typed["_duplicate"] = dup
    dup_rows = np.flatnonzero(dup)
    if dup_rows.size:
        firsts = (np.asarray(repeats, dtype=np.int64)[dup_rows] if repeats is not None
                  else np.asarray(row_numbers)[first_of_person[dup_rows]])
        first_rows = firsts.astype(str).astype(object)
        before, after = _around("validate.duplicate", lang, "row")
        errors.add_rows(dup_rows, before + first_rows + after)
    row_bad[dup_rows] = True

    # cells the reader found wrong (core.reader). A control character: an error of the whole row,
    # which is not stored as it was typed. A formula with no computed value cannot be read (RULES.md,
    # like an Excel error value): an error of what its column feeds (the whole row, or some items),
    # a warning where the column decides nothing (the county, the officer's own columns)
    for key, column, positions in frame.attrs.get("reader_issues", ()):
        header = cols[column].header if column in cols else column
        rows = np.asarray(positions, dtype=np.int64)
        text = t("reader.row." + key, lang, header=header)
        if key != FORMULA_NO_VALUE:
            errors.add_rows(rows, text)
            row_bad[rows] = True
        elif column in ROW_FIELDS or column in ITEM_FIELDS:
            errors.add_rows(rows, text)
            mark(column, formula_cells[column])
        else:
            warnings.add_rows(rows, text)

    for field, mask in bad.items():
        typed[f"_bad_{field}"] = mask
    valid = ~row_bad
    typed = pd.DataFrame(typed, index=frame.index, copy=False)
    return Validated(typed=typed, errors=errors.text, warnings=warnings.text, valid=valid)


def _pair_texts(id_prov: np.ndarray, decl: np.ndarray, lang: str) -> np.ndarray:
    """The province-mismatch warning per flagged row, formatted once per distinct pair."""
    pairs = pd.Series(id_prov) + "\0" + pd.Series(decl)
    codes, uniques = pd.factorize(pairs)
    texts = np.array(
        [t("validate.warn.id_province", lang, id_province=u.split("\0")[0], province=u.split("\0")[1]) for u in uniques],
        dtype=object,
    )
    return texts[codes]
