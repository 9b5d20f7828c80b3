"""Audit of the claim deadline (RULES.md, "The claim deadline"; ROSTER.md) through the command line,
on a roster saved as GBK the way Excel in China saves CSV: the day of the deadline and the day
after give the same statuses and amounts due; after it nothing is payable, every row of the CSV
and the xlsx says 兑现已截止 with the date, and the totals show due and payable apart."""
from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from core.cli import main
from core.i18n import t
from tests.test_validate import HEADER, person

FIVE = ("stabilization", "family_visit", "skill_training", "rent", "organizer_service")
DEADLINE, AFTER = "2021-12-31", "2022-01-01"


@pytest.fixture(scope="module")
def roster_path(tmp_path_factory):
    rows = [
        person(1, social_insurance_months="14", continuous_months="13", self_rented_months="6",
               organizer="某劳务合作社", employer="某纺织有限公司", certificate_level="中级工",
               certificate_date="2018-09-01"),
        person(2, social_insurance_months="半年"),                 # an item in error, the row valid
        person(3, first_employment_date="2017-06-01"),             # not covered
        person(4, id_number="123"),                                # an error of the whole row
    ]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADER.values())
    for r in rows:
        w.writerow([r.get(f, "") for f in HEADER])
    path = tmp_path_factory.mktemp("deadline") / "名单.csv"
    path.write_bytes(buf.getvalue().encode("gbk"))
    return path


def _run(path, as_of, fmt, out, capsysbinary):
    args = ["evaluate", str(path), "--as-of", as_of, "--format", fmt]
    if out is not None:
        args += ["--out", str(out)]
    assert main(args) == 0
    return capsysbinary.readouterr().out


def test_json_due_kept_payable_zero_after_the_deadline(roster_path, capsysbinary):
    on, after = (json.loads(_run(roster_path, d, "json", None, capsysbinary)) for d in (DEADLINE, AFTER))
    assert [r["status"] for r in on["rows"]] == [r["status"] for r in after["rows"]]
    assert [r["amounts"] for r in on["rows"]] == [r["amounts"] for r in after["rows"]]
    assert on["rows"][0]["amounts"] == {"stabilization": 3000, "family_visit": 5000, "skill_training": 1500,
                                        "rent": 3000, "organizer_service": 2000}
    assert on["rows"][1]["status"]["stabilization"] == "error" and on["rows"][1]["valid"]
    assert [r["payable"] for r in on["rows"]] == [r["amounts"] for r in on["rows"]]
    assert all(set(r["payable"].values()) == {0} and r["total_payable_to_worker"] == 0 for r in after["rows"])
    assert [r["claim_closed"] for r in on["rows"]] == [False] * 4
    assert [r["claim_closed"] for r in after["rows"]] == [True] * 4
    s_on, s_after = on["summary"], after["summary"]
    assert s_on["amounts"] == s_after["amounts"] == s_on["payable"]
    assert s_after["total_to_worker"] == s_on["total_to_worker"] == s_on["total_payable_to_worker"] > 0
    assert set(s_after["payable"].values()) == {0} and s_after["total_payable_to_worker"] == 0
    assert (s_on["claim_closed"], s_after["claim_closed"]) == (False, True)
    assert s_after["claim_deadline"] == DEADLINE


def test_csv_and_xlsx_say_it_on_every_row_and_split_the_totals(roster_path, tmp_path, capsysbinary):
    closed = t("output.claim_closed", deadline="2021年12月31日")
    status, due, payable = t("output.claim_status"), t("output.total_to_worker"), t("output.total_payable_to_worker")
    for as_of, word in ((DEADLINE, t("output.claim_open")), (AFTER, closed)):
        text = _run(roster_path, as_of, "csv", None, capsysbinary).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 4 and [r[status] for r in rows] == [word] * 4
        assert rows[0][due] == "12500"                      # 3000 + 5000 + 1500 + 6 x 500
        assert rows[0][payable] == ("12500" if as_of == DEADLINE else "0")
        out = tmp_path / f"{as_of}.xlsx"
        _run(roster_path, as_of, "xlsx", out, capsysbinary)
        wb = openpyxl.load_workbook(out)
        sheet = wb[t("output.sheet_rows")]
        header = [c.value for c in sheet[1]]
        cells = [dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)]
        assert [c[status] for c in cells] == [word] * 4
        assert (cells[0][due], cells[0][payable]) == (12500, 12500 if as_of == DEADLINE else 0)
        totals = {r[0]: r[1] for r in wb[t("output.sheet_totals")].iter_rows(min_row=2, values_only=True)}
        assert totals[status] == word       # the totals say the deadline in the rows' words
        assert totals[due] == sum(c[due] for c in cells) == 12500         # the other rows get nothing
        assert totals[t("output.summary.total_payable_to_worker")] == (totals[due] if as_of == DEADLINE else 0)
        for item in FIVE:
            title = t(f"rules.item_title.{item}")
            paid = totals[t("output.summary.payable", item=title)]
            assert paid == (totals[title + t("output.summary.yuan")] if as_of == DEADLINE else 0), item
