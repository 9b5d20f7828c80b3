"""Rows of a roster through the reader, the checks and the engine (ROSTER.md, RULES.md).

Each test builds the CSV bytes an officer could send and evaluates them with
``core.engine.evaluate_file``; the clause boundaries themselves are in test_rules_cases.py.
"""
from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from core import reference
from core.engine import evaluate_file
from core.i18n import t
from core.output import to_json_dict
from core.items import ITEMS
from tests.rule_cases import make_id

AS_OF = dt.date(2021, 6, 30)
HEADER = {c.field: c.header for c in reference.columns()}
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def person(seq: int, region: str = "513226", **over) -> dict:
    """A valid, covered person (四川 金川县 region, 建档立卡, came 2018-03 to 柯桥区), by field name."""
    row = {
        "name": f"测试{seq}",
        "id_number": make_id(region, seq),
        "home_province": "四川",
        "registered_poor": "是",
        "first_employment_date": "2018-03-01",
        "work_district": "柯桥区",
        "social_insurance_months": "3",
        "continuous_months": "3",
    }
    row.update(over)
    return row


def roster(rows: list[dict | None], extra: tuple[str, ...] = (), title: str | None = None) -> bytes:
    """CSV bytes: an optional title row, the header (every column + ``extra``), then the rows
    (None = an entirely blank row). Keys of a row are field names or the extra headers."""
    fields = list(HEADER)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    width = len(fields) + len(extra)
    if title is not None:
        w.writerow([title] + [""] * (width - 1))
    w.writerow([HEADER[f] for f in fields] + list(extra))
    for r in rows:
        if r is None:
            w.writerow([""] * width)
        else:
            w.writerow([r.get(f, "") for f in fields] + [r.get(x, "") for x in extra])
    return buf.getvalue().encode("utf-8")


def evaluate(rows, **kw):
    extra = kw.pop("extra", ())
    title = kw.pop("title", None)
    return evaluate_file(roster(rows, extra, title), "roster.csv", as_of=kw.pop("as_of", AS_OF), **kw)


def json_rows(result) -> list[dict]:
    return to_json_dict(result)["rows"]


# --------------------------------------------------------------------------- every reason


def test_a_row_with_three_problems_lists_three_errors():
    bad = person(1, registered_poor="不知道", first_employment_date="2018-13-45", work_district="杭州市")
    [row] = json_rows(evaluate([bad]))
    assert row["valid"] is False
    assert len(row["errors"]) == 3, row["errors"]
    for value in ("不知道", "2018-13-45", "杭州市"):
        assert sum(value in e for e in row["errors"]) == 1, (value, row["errors"])


def test_every_missing_required_cell_is_its_own_error():
    blank = {f: "" for f in HEADER}
    blank["name"] = "只有姓名"
    row = json_rows(evaluate([blank, person(2)]))[0]
    required = [c.header for c in reference.columns() if c.required and c.field != "name"]
    assert len(row["errors"]) == len(required)
    for header in required:
        assert any(header in e for e in row["errors"]), header


@pytest.mark.parametrize(
    "field, value, also, items",
    [   # what identifies the person or decides coverage: an error of the whole row
        ("home_province", "火星省", {}, None),
        ("registered_poor", "也许", {}, None),
        ("first_employment_date", "2018-02-30", {}, None),
        ("work_district", "萧山区", {}, None),
        # anything else: an error of the items it feeds (RULES.md), the row stays valid
        ("social_insurance_months", "三个半", {"organizer": "某劳务合作社", "employer": "某公司"},
         {"stabilization", "organizer_service", "employer_social_insurance"}),
        ("continuous_months", "-2", {}, {"family_visit"}),
        ("self_rented_months", "2.5", {}, {"rent"}),
        ("certificate_level", "博士后", {"certificate_date": "2019-01-01"}, {"skill_training"}),
        ("certificate_date", "2019-13-01", {"certificate_level": "中级工"}, {"skill_training"}),
        ("training_cost", "很多", {"certificate_level": "初级工", "certificate_date": "2019-01-01"}, {"skill_training"}),
    ],
)
def test_invalid_value_message_quotes_what_was_typed(field, value, also, items):
    result = evaluate([person(1, **{field: value}, **also)])
    [row] = json_rows(result)
    assert row["valid"] is (items is not None)
    assert len(row["errors"]) == 1, row["errors"]
    assert value in row["errors"][0]
    if items is not None:
        frame = result.frame.iloc[0]
        assert {i for i in ITEMS if frame[f"{i}_status"] == "error"} == items
        assert all(row["amounts"].get(i, 0) == 0 for i in items)


def test_certificate_level_without_date_is_an_error_of_the_skill_item_only():
    rows = [person(1, certificate_level="中级工", social_insurance_months="5"),
            person(2, certificate_level="中级工", certificate_date="2019-05-01")]
    result = evaluate(rows)
    out = json_rows(result)
    assert out[0]["valid"] is True
    assert out[0]["errors"] == [t("validate.certificate_date_missing")]
    assert result.frame.iloc[0]["skill_training_status"] == "error"
    assert out[0]["amounts"]["stabilization"] > 0            # the worker's other items are still paid
    assert out[1]["valid"] is True
    assert out[1]["amounts"]["skill_training"] > 0


# --------------------------------------------------------------------------- rows in, rows out


def test_row_numbers_with_a_title_row_and_blank_rows_between():
    rows = [person(1), None, person(2), None, None, person(3, work_district="杭州市")]
    result = evaluate(rows, title="2018年柯桥区扶贫劳务协作人员名单")
    # title row 1, header row 2, data from row 3; blank rows keep their numbers
    assert result.frame["row"].tolist() == [3, 5, 8]
    assert result.frame["name"].tolist() == ["测试1", "测试2", "测试3"]
    assert result.summary["blank_rows"] == 3
    assert result.summary["rows"] == 3


def test_rows_in_equal_rows_out_in_the_same_order():
    rng = np.random.default_rng(7)
    rows = []
    for i in range(40):
        kind = rng.integers(0, 4)
        if kind == 0:
            rows.append(person(i, work_district="杭州市"))
        elif kind == 1:
            rows.append(person(i, id_number="123"))
        else:
            rows.append(person(i))
    result = evaluate(rows)
    assert len(result.frame) == 40
    assert result.frame["name"].tolist() == [r["name"] for r in rows]
    assert result.frame["row"].tolist() == list(range(2, 42))
    assert result.summary["valid"] + result.summary["errors"] == 40


def test_a_row_with_only_an_unknown_column_filled_is_not_dropped():
    result = evaluate([person(1), {"备注": "此行只有备注"}], extra=("备注",))
    assert len(result.frame) == 2
    assert not result.frame["valid"].iloc[1]
    assert result.frame[result.passthrough("备注")].iloc[1] == "此行只有备注"


def test_unknown_columns_are_passed_through_untouched_and_in_order():
    extra = ("联系电话", "备注", "序号")
    rows = [
        person(1, **{"联系电话": "0575-88001234", "备注": "  前后有空格  ", "序号": "007"}),
        person(2, work_district="杭州市", **{"联系电话": "", "备注": "５月到岗", "序号": "1.50"}),
    ]
    result = evaluate(rows, extra=extra)
    assert result.unknown_columns == list(extra)
    cols = list(result.frame.columns)
    assert [c for c in cols if c in map(result.passthrough, extra)] == list(map(result.passthrough, extra))
    for name in extra:
        got = [None if pd.isna(v) else v for v in result.frame[result.passthrough(name)].tolist()]
        want = [r[name] or None for r in rows]
        assert got == want, name


def test_trailing_total_row_is_an_error_row():
    total = {"name": "合计", "social_insurance_months": "6", "continuous_months": "6"}
    result = evaluate([person(1), person(2), total])
    assert len(result.frame) == 3
    last = json_rows(result)[-1]
    assert last["row"] == 4
    assert last["valid"] is False
    assert any(HEADER["id_number"] in e for e in last["errors"])
    assert all(v == 0 for v in last["amounts"].values())
    assert result.summary["errors"] == 1


# --------------------------------------------------------------------------- the same person twice


def _id_ending_in_x(region: str = "513226") -> str:
    return next(i for i in (make_id(region, s) for s in range(1000)) if i.endswith("X"))


def test_repeated_id_later_rows_are_errors_paid_nothing_first_row_evaluated():
    same = make_id("513226", 1)
    rows = [
        person(1, id_number=same, continuous_months="12"),
        person(2),
        person(3, id_number=same, continuous_months="24", work_district="越城区"),
        person(4, id_number=same),
    ]
    result = evaluate(rows)
    out = json_rows(result)
    assert out[0]["valid"] is True
    assert out[0]["amounts"]["family_visit"] > 0
    for later in (out[2], out[3]):
        assert later["valid"] is False
        assert later["errors"] == [t("validate.duplicate", row=2)]
        assert all(v == 0 for v in later["amounts"].values())
        assert later["total_to_worker"] == 0
    assert len(out) == 4  # kept in the output
    assert result.summary["amounts"]["family_visit"] == out[0]["amounts"]["family_visit"]


def test_repeated_id_names_the_excel_row_of_the_first():
    same = make_id("513226", 1)
    result = evaluate([person(1, id_number=same), None, person(2, id_number=same)], title="名单")
    out = json_rows(result)
    assert [r["row"] for r in out] == [3, 5]
    assert out[1]["errors"] == [t("validate.duplicate", row=3)]


def test_lower_case_x_is_the_same_person_as_upper_case_x():
    idx = _id_ending_in_x()
    result = evaluate([person(1, id_number=idx), person(2, id_number=idx.lower()), person(3, id_number=" " + idx[:9] + " " + idx[9:].lower())])
    out = json_rows(result)
    assert out[0]["valid"] is True
    assert out[1]["errors"] == [t("validate.duplicate", row=2)]
    assert out[2]["errors"] == [t("validate.duplicate", row=2)]


def test_repeated_row_with_its_own_problem_lists_both():
    same = make_id("513226", 1)
    out = json_rows(evaluate([person(1, id_number=same), person(2, id_number=same, registered_poor="?")]))
    assert len(out[1]["errors"]) == 2
    assert t("validate.duplicate", row=2) in out[1]["errors"]


# --------------------------------------------------------------------------- identity numbers


def test_id_stored_as_a_number_gets_the_specific_message():
    out = json_rows(evaluate([person(1, id_number="5.13226E+17"), person(2, id_number="5.13226e+17"), person(3)]))
    for row in out[:2]:
        assert row["valid"] is False
        assert row["errors"] == [t("values.id_scientific")]
        assert row["errors"] != [t("values.id_bad_format")]


def test_id_stored_as_a_number_in_a_workbook_gets_the_specific_message():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名单"
    fields = list(HEADER)
    ws.append([HEADER[f] for f in fields])
    row = person(1)
    ws.append([int(row[f]) if f == "id_number" else row.get(f, "") or None for f in fields])
    ws.append([person(2).get(f, "") or None for f in fields])  # one readable ID (see the all-unreadable test)
    buf = io.BytesIO()
    wb.save(buf)
    out = json_rows(evaluate_file(buf.getvalue(), "roster.xlsx", as_of=AS_OF))[0]
    assert out["errors"] == [t("values.id_scientific")]


@pytest.mark.parametrize("typed,key", [("5.13226199001011E+17", "values.id_scientific"),
                                       ("513226199001011000", "values.id_lost_digits")])
def test_id_stored_as_a_number_in_any_form_gets_the_specific_message(typed, key):
    # Excel's scientific notation with every digit it keeps, and what a number cell formatted "0"
    # shows (15 significant digits, then 000; said as likely, since a typo could end in 000 too):
    # not a generic "bad format" or "wrong check character"
    row = json_rows(evaluate([person(1, id_number=typed), person(2)]))[0]
    assert row["errors"] == [t(key)]


def test_every_reason_an_id_fails_is_its_own_error():
    # unknown province 99, no such date 1990-02-30, wrong check character: three errors
    row = json_rows(evaluate([person(1, id_number="991226199002301234"), person(2)]))[0]
    assert row["valid"] is False
    assert row["errors"] == [t("values.id_bad_region"), t("values.id_bad_birth_date"), t("values.id_bad_check")]


def test_fifteen_digit_id_is_refused_with_the_conversion_message():
    row = json_rows(evaluate([person(1, id_number="513226900101123"), person(2)]))[0]
    assert row["valid"] is False
    assert row["errors"] == [t("values.id_fifteen_digits")]
    assert "18" in row["errors"][0]


def test_province_differing_from_the_id_region_is_a_warning_not_an_error():
    out = json_rows(evaluate([person(1, home_province="湖北省"), person(2)]))
    row = out[0]
    assert row["valid"] is True
    assert row["errors"] == []
    assert len(row["warnings"]) == 1
    assert "四川" in row["warnings"][0] and "湖北" in row["warnings"][0]
    # the declared province decides: 湖北 is one of the four, so the row is paid
    assert row["category"] == "paired_four"
    assert row["amounts"]["stabilization"] > 0
    assert out[1]["warnings"] == []


# --------------------------------------------------------------------------- reading what was typed


def test_a_five_digit_number_is_a_date_serial_only_in_the_plausible_range():
    # 43160 is 2018-03-01; 10000 would be 1927-05-18 and 99999 the year 2173: numbers, not dates
    out = json_rows(evaluate([person(1, first_employment_date="43160"), person(2, first_employment_date="10000"),
                              person(3, first_employment_date="99999")]))
    assert out[0]["valid"] is True
    for row, typed in zip(out[1:], ("10000", "99999")):
        assert row["errors"] == [t("validate.invalid.date", header=HEADER["first_employment_date"], value=typed)]


@pytest.mark.parametrize("field, whole_row", [("name", True), ("employer", False), ("organizer", False)])
def test_an_excel_error_value_in_a_text_column_is_an_error_quoting_it(field, whole_row):
    # what Excel writes for a formula that failed (#N/A, #DIV/0! ...) is not a name or an employer;
    # a name identifies the person (the whole row), an employer or organiser feeds one item
    out = json_rows(evaluate([person(1, **{field: "#N/A"}), person(2, **{field: " #DIV/0! "}), person(3)]))
    assert out[0]["errors"] == [t("validate.invalid.excel_error", header=HEADER[field], value="#N/A")]
    assert out[1]["errors"] == [t("validate.invalid.excel_error", header=HEADER[field], value="#DIV/0!")]
    assert out[0]["valid"] is not whole_row
    assert out[2]["valid"] is True


def test_an_excel_error_value_as_county_is_a_warning():
    # the county decides no item, only sichuan_helped, where the ID number's region then decides
    out = json_rows(evaluate([person(1, home_county="#N/A")]))
    assert out[0]["valid"] is True and out[0]["errors"] == []
    assert out[0]["warnings"] == [t("validate.invalid.excel_error", header=HEADER["home_county"], value="#N/A")]


def test_full_width_digits_and_stray_spaces_are_read():
    fw_id = make_id("513226", 1).translate(FULLWIDTH)
    typed = person(
        1,
        id_number=f" {fw_id[:6]} {fw_id[6:]} ",
        home_province=" 四川 ",
        registered_poor=" 是 ",
        first_employment_date="２０１８-０３-０１",
        work_district=" 柯桥区 ",
        social_insurance_months="１２",
        continuous_months=" 12 ",
        self_rented_months="６",
    )
    [row] = json_rows(evaluate([typed]))
    [plain] = json_rows(evaluate([person(1, social_insurance_months="12", continuous_months="12", self_rented_months="6")]))
    assert row["valid"] is True, row["errors"]
    assert row["amounts"] == plain["amounts"]
    assert row["amounts"]["family_visit"] > 0 and row["amounts"]["rent"] > 0


# --------------------------------------------------------------------------- error rows


def test_error_rows_have_every_amount_zero_no_category_and_no_status():
    # eligible for every worker item but for one bad cell
    rich = dict(
        social_insurance_months="12",
        continuous_months="12",
        self_rented_months="6",
        certificate_level="中级工",
        certificate_date="2018-06-01",
        organizer="金川县劳务合作社",
        employer="某公司",
    )
    result = evaluate([person(1, **rich), person(2, **rich, registered_poor="也许")])
    f = result.frame
    good, bad = f.iloc[0], f.iloc[1]
    assert good["valid"] and good["total_to_worker"] > 0
    assert not bad["valid"]
    for item in ITEMS:
        assert bad[item] == 0, item
        assert pd.isna(bad[f"{item}_status"]), item
    assert bad["total_to_worker"] == 0
    assert pd.isna(bad["category"])
    assert pd.isna(bad["covered"])
    assert not bad["sichuan_helped"]
    row = json_rows(result)[1]
    assert row["category"] is None
    assert row["sichuan_helped"] is False
    assert set(row["amounts"].values()) == {0}


# --------------------------------------------------------------------------- --district


def test_only_district_makes_other_districts_rows_errors():
    rows = [person(1), person(2, work_district="越城区"), person(3, work_district="绍兴市柯桥区"), person(4, work_district="嵊州市")]
    result = evaluate(rows, only_district="柯桥区")
    out = json_rows(result)
    assert [r["valid"] for r in out] == [True, False, True, False]
    for r in (out[1], out[3]):
        assert r["errors"] == [t("validate.other_district", district="柯桥区")]
        assert set(r["amounts"].values()) == {0}
    # without the option every row is valid
    assert all(r["valid"] for r in json_rows(evaluate(rows)))


# --------------------------------------------------------------------------- rent cap


def test_a_rent_cap_that_bites_adds_a_warning():
    rows = [
        person(1, first_employment_date="2020-01-20", self_rented_months="18"),  # capped at 12 (2020-01..2020-12)
        person(2, first_employment_date="2020-01-20", self_rented_months="12"),  # exactly the cap
        person(3, first_employment_date="2018-01-01", self_rented_months="40"),  # capped at 36
    ]
    out = json_rows(evaluate(rows))
    monthly = reference.policy()["rent.monthly"]
    assert out[0]["warnings"] == [t("validate.warn.rent_capped")]
    assert out[0]["amounts"]["rent"] == 12 * monthly
    assert out[1]["warnings"] == []
    assert out[1]["amounts"]["rent"] == 12 * monthly
    assert out[2]["warnings"] == [t("validate.warn.rent_capped")]
    assert out[2]["amounts"]["rent"] == reference.policy()["max_subsidy_months"] * monthly


def test_future_birth_date_depends_on_as_of():
    born = make_id("513226", 1, birth="20210301")
    rows = [person(1, id_number=born), person(2)]
    early = json_rows(evaluate(rows, as_of=dt.date(2021, 2, 1)))[0]
    late = json_rows(evaluate(rows, as_of=dt.date(2021, 6, 30)))[0]
    # the text names the date checked against (as_of), which need not be today
    assert early["errors"] == [t("values.id_future_birth_date", as_of="2021-02-01")]
    assert "2021-02-01" in early["errors"][0] and "{" not in early["errors"][0]
    assert late["valid"] is True
    en = to_json_dict(evaluate(rows, as_of=dt.date(2021, 2, 1), lang="en"))["rows"][0]["errors"]
    assert en == [t("values.id_future_birth_date", "en", as_of="2021-02-01")]


@pytest.mark.parametrize("bad_id", ["5.13226E+17", "513226900101123", "", "abc"])
def test_a_roster_where_no_id_is_readable_gives_error_rows(bad_id):
    # the usual case: Excel turned the whole ID column into numbers
    result = evaluate([person(1, id_number=bad_id), person(2, id_number=bad_id)])
    assert result.frame["valid"].tolist() == [False, False]
    assert result.summary["errors"] == 2


@pytest.mark.parametrize("field, value", [("work_district", "柯桥区；越城区"), ("first_employment_date", "2018；3；1")])
def test_a_quoted_value_with_the_separator_stays_one_error(field, value):
    row = json_rows(evaluate([person(1, **{field: value}), person(2)]))[0]
    assert len(row["errors"]) == 1, row["errors"]
    assert value in row["errors"][0]


def test_dates_after_the_day_of_the_check_are_errors():
    """A first employment or a certificate dated after the check has not happened yet (as the
    self-check refuses it): an error quoting the date, the day of the check itself is fine."""
    rows = [person(1, first_employment_date="2021-07-01"),
            person(2, first_employment_date="2021-06-30"),
            person(3, certificate_level="中级工", certificate_date="2021/7/1"),
            person(4)]
    out = json_rows(evaluate(rows))
    header = lambda f: HEADER[f]  # noqa: E731
    assert out[0]["errors"] == [t("validate.invalid.after_check", header=header("first_employment_date"),
                                  value="2021-07-01", as_of="2021-06-30")]
    assert out[1]["valid"] and out[3]["valid"]
    assert out[2]["errors"] == [t("validate.invalid.after_check", header=header("certificate_date"),
                                  value="2021/7/1", as_of="2021-06-30")]
    assert json_rows(evaluate(rows[:1], as_of=dt.date(2021, 7, 1)))[0]["valid"]


def test_readable_joins_messages_and_keeps_empty_and_missing_rows():
    from core.validate import SEP, readable

    lang_sep = t("common.list_separator", "zh")
    texts = np.array(["", f"甲{SEP}乙", None, "", float("nan"), "丙"], dtype=object)
    assert list(readable(texts).to_numpy(na_value=None)) == ["", f"甲{lang_sep}乙", None, "", None, "丙"]
    assert list(readable(np.array(["", ""], dtype=object))) == ["", ""]
    assert len(readable(np.array([], dtype=object))) == 0
    # a column of pandas strings (pd.NA cannot be compared): still every row
    s = pd.Series([f"a{SEP}b", None, ""], dtype="string")
    assert list(readable(s).to_numpy(na_value=None)) == [f"a{lang_sep}b", None, ""]
