"""The command line of ROSTER.md: ``python -m core evaluate|progress|template``."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import core
from core import reference
from core.cli import main
from core.i18n import t
from tests.rule_cases import make_id
from tests.test_validate import HEADER, person, roster

REPO = Path(core.__file__).resolve().parent.parent
FIVE = ("stabilization", "family_visit", "skill_training", "rent", "organizer_service")
WORKER = ("stabilization", "family_visit", "skill_training", "rent")
HAN = re.compile(r"[\u4e00-\u9fff]")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=REPO, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def roster_path(tmp_path_factory) -> Path:
    """Five rows: three valid (one 不计入, one helped Sichuan county), two with errors."""
    rows = [
        person(1, home_county="金川县", social_insurance_months="12", continuous_months="12", self_rented_months="6",
               organizer="金川县劳务合作社", certificate_level="初级工", certificate_date="2018-06-01", training_cost="800"),
        person(2, region="410102", home_province="河南", work_district="越城区"),
        person(3, registered_poor="否", work_district="诸暨市"),
        person(4, work_district="杭州市", registered_poor="不知道"),
        {"name": "合计", "social_insurance_months": "15"},
    ]
    path = tmp_path_factory.mktemp("cli") / "名单.csv"
    path.write_bytes(roster(rows, extra=("备注",)))
    return path


@pytest.fixture(scope="module")
def evaluated(roster_path) -> dict:
    p = run("evaluate", str(roster_path), "--as-of", "2021-06-30", "--format", "json")
    assert p.returncode == 0, p.stderr.decode()
    return json.loads(p.stdout)


# --------------------------------------------------------------------------- evaluate --format json


def test_json_shape(evaluated):
    assert set(evaluated) == {"rows", "summary"}
    rows = evaluated["rows"]
    assert len(rows) == 5
    for r in rows:
        assert {"row", "valid", "errors", "warnings", "category", "sichuan_helped", "amounts", "total_to_worker"} <= set(r)
        assert isinstance(r["row"], int) and isinstance(r["valid"], bool)
        assert isinstance(r["errors"], list) and all(isinstance(e, str) and HAN.search(e) for e in r["errors"])
        assert isinstance(r["warnings"], list)
        assert r["category"] in ("paired_four", "other_central_western", "not_counted", None)
        assert isinstance(r["sichuan_helped"], bool)
        assert set(r["amounts"]) == set(FIVE)
        assert all(type(v) is int for v in r["amounts"].values())
        assert r["total_to_worker"] == sum(r["amounts"][i] for i in WORKER)
        assert r["valid"] == (r["errors"] == [])
    s = evaluated["summary"]
    assert {"rows", "valid", "errors", "amounts", "total_to_worker"} <= set(s)
    assert s["rows"] == 5 and s["valid"] == 3 and s["errors"] == 2
    assert set(FIVE) <= set(s["amounts"])
    for item in FIVE:
        assert s["amounts"][item] == sum(r["amounts"][item] for r in rows)
    assert s["total_to_worker"] == sum(r["total_to_worker"] for r in rows)


def test_json_rows_content(evaluated):
    rows = evaluated["rows"]
    assert [r["row"] for r in rows] == [2, 3, 4, 5, 6]
    assert [r["valid"] for r in rows] == [True, True, True, False, False]
    assert [r["category"] for r in rows] == ["paired_four", "other_central_western", "not_counted", None, None]
    assert [r["sichuan_helped"] for r in rows] == [True, False, False, False, False]
    p = reference.policy()
    assert rows[0]["amounts"] == {
        "stabilization": p["stabilization.amount"],
        "family_visit": p["family_visit.amount"],
        "skill_training": 800,
        "rent": 6 * p["rent.monthly"],
        "organizer_service": p["organizer_service.amount"],
    }
    for r in rows[1:]:
        assert set(r["amounts"].values()) == {0}  # not paired / not 建档立卡 / error rows
    assert len(rows[3]["errors"]) == 2


def test_exit_zero_for_a_file_with_error_rows(evaluated):
    assert evaluated["summary"]["errors"] > 0  # the fixture's run returned 0


def test_in_process_main_prints_the_same_json(roster_path, capsysbinary, evaluated):
    assert main(["evaluate", str(roster_path), "--as-of", "2021-06-30"]) == 0
    out = json.loads(capsysbinary.readouterr().out)
    assert out["rows"] == evaluated["rows"]


def test_district_option(roster_path, capsysbinary):
    assert main(["evaluate", str(roster_path), "--as-of", "2021-06-30", "--district", "越城区"]) == 0
    rows = json.loads(capsysbinary.readouterr().out)["rows"]
    assert [r["valid"] for r in rows] == [False, True, False, False, False]


@pytest.mark.parametrize("spelling", ["绍兴市越城区", " 越城区 ", "浙江省绍兴市越城区"])
def test_district_option_is_read_like_a_roster_cell(roster_path, capsysbinary, spelling):
    assert main(["evaluate", str(roster_path), "--as-of", "2021-06-30", "--district", spelling]) == 0
    rows = json.loads(capsysbinary.readouterr().out)["rows"]
    assert [r["valid"] for r in rows] == [False, True, False, False, False]


def test_district_option_old_name_means_the_new_district(tmp_path, capsysbinary):
    path = tmp_path / "r.csv"
    path.write_bytes(roster([person(1, work_district="柯桥区"), person(2, work_district="越城区")]))
    assert main(["evaluate", str(path), "--as-of", "2021-06-30", "--district", "绍兴县"]) == 0
    rows = json.loads(capsysbinary.readouterr().out)["rows"]
    assert [r["valid"] for r in rows] == [True, False]
    assert "柯桥区" in rows[1]["errors"][0]


def test_district_option_not_in_shaoxing_exits_2(roster_path):
    p = run("evaluate", str(roster_path), "--district", "杭州市")
    assert p.returncode == 2 and p.stdout == b""
    err = p.stderr.decode()
    assert "杭州市" in err and "柯桥区" in err and "Traceback" not in err


# --------------------------------------------------------------------------- csv and xlsx


def test_csv_output(roster_path):
    p = run("evaluate", str(roster_path), "--as-of", "2021-06-30", "--format", "csv")
    assert p.returncode == 0
    assert p.stdout.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(p.stdout.decode("utf-8-sig"))))
    header = lines[0]
    assert set(HEADER.values()) <= set(header)
    assert t("output.row") in header and t("output.errors") in header
    assert header[-1] == "备注"
    assert not any(re.fullmatch(r"[a-z_]+", h) for h in header), header  # no English field names
    assert len(lines) == 1 + 5


def test_csv_out_file_equals_stdout(roster_path, tmp_path):
    out = tmp_path / "r.csv"
    assert run("evaluate", str(roster_path), "--as-of", "2021-06-30", "--format", "csv", "--out", str(out)).returncode == 0
    stdout = run("evaluate", str(roster_path), "--as-of", "2021-06-30", "--format", "csv").stdout
    assert out.read_bytes() == stdout


def test_xlsx_out_has_results_and_totals_and_highlights_error_rows(roster_path, tmp_path):
    out = tmp_path / "r.xlsx"
    p = run("evaluate", str(roster_path), "--as-of", "2021-06-30", "--format", "xlsx", "--out", str(out))
    assert p.returncode == 0 and p.stdout == b""
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [t("output.sheet_rows"), t("output.sheet_totals")]
    ws = wb[t("output.sheet_rows")]
    assert ws.max_row == 1 + 5
    valid_col = [c.value for c in ws[1]].index(t("output.valid")) + 1
    for r in range(2, ws.max_row + 1):
        is_valid = ws.cell(r, valid_col).value == t("output.yes_word")
        fills = {ws.cell(r, c).fill.fill_type for c in range(1, ws.max_column + 1)}
        if is_valid:
            assert fills == {None}, r
        else:
            assert fills == {"solid"}, r
    assert sum(ws.cell(r, valid_col).value == t("output.no_word") for r in range(2, ws.max_row + 1)) == 2
    totals = {row[0]: row[1] for row in wb[t("output.sheet_totals")].iter_rows(min_row=2, values_only=True)}
    assert totals[t("output.summary.rows")] == 5


def test_xlsx_on_stdout_is_exactly_a_workbook(roster_path, tmp_path):
    p = run("evaluate", str(roster_path), "--as-of", "2021-06-30", "--format", "xlsx")
    assert p.returncode == 0
    # a ZIP ends with its end-of-central-directory record (22 bytes with an empty comment)
    assert p.stdout[-22:-18] == b"PK\x05\x06"
    assert p.stdout[-2:] == b"\x00\x00"


# --------------------------------------------------------------------------- --as-of


def test_as_of_changes_the_future_birth_date_check(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(roster([person(1, id_number=make_id("513226", 1, birth="20210301")), person(2)]))
    before = json.loads(run("evaluate", str(path), "--as-of", "2021-02-01").stdout)["rows"][0]
    after = json.loads(run("evaluate", str(path), "--as-of", "2021-06-30").stdout)["rows"][0]
    # the message names the date checked against (--as-of), not "today"
    assert before["valid"] is False and before["errors"] == [t("values.id_future_birth_date", as_of="2021-02-01")]
    assert "2021-02-01" in before["errors"][0]
    assert after["valid"] is True


# --------------------------------------------------------------------------- unreadable files


def _unreadable(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    binary = tmp_path / "photo.csv"
    binary.write_bytes(bytes(range(256)) * 20)
    missing = tmp_path / "missing.csv"
    missing.write_bytes("姓名,身份证号,户籍省份\n张三,513226199001010015,四川\n".encode())
    return {"empty": empty, "binary": binary, "missing": missing, "nonexistent": tmp_path / "没有这个文件.csv"}


@pytest.mark.parametrize("case", ["empty", "binary", "missing", "nonexistent"])
@pytest.mark.parametrize("command", ["evaluate", "progress"])
def test_unreadable_file_exit_2_one_chinese_sentence(tmp_path, case, command):
    path = _unreadable(tmp_path)[case]
    args = [command, str(path)] + (["--year", "2018"] if command == "progress" else [])
    p = run(*args)
    err = p.stderr.decode()
    assert p.returncode == 2
    assert p.stdout == b""
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert HAN.search(err)
    if case == "missing":
        for field in ("registered_poor", "first_employment_date", "work_district", "social_insurance_months", "continuous_months"):
            assert HEADER[field] in err
        assert HEADER["name"] + "、" not in err  # present columns are not named as missing


def test_unreadable_in_process_returns_2(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "nope.csv")]) == 2
    assert HAN.search(capsys.readouterr().err)


def test_file_whose_ids_excel_turned_into_numbers_exits_0(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(roster([person(1, id_number="5.13226E+17"), person(2, id_number="5.13226E+17")]))
    p = run("evaluate", str(path))
    assert p.returncode == 0, p.stderr.decode()[-300:]
    assert [r["errors"] for r in json.loads(p.stdout)["rows"]] == [[t("values.id_scientific")]] * 2


# --------------------------------------------------------------------------- an --out that cannot be written


@pytest.mark.parametrize("where", ["no such folder", "a folder"])
@pytest.mark.parametrize("command", [
    ("evaluate", "ROSTER", "--format", "json"),
    ("evaluate", "ROSTER", "--format", "csv"),
    ("evaluate", "ROSTER", "--format", "xlsx"),
    ("progress", "ROSTER", "--year", "2018"),
    ("template", "--format", "xlsx"),
])
def test_out_that_cannot_be_written_exit_2_one_chinese_sentence(roster_path, tmp_path, where, command):
    out = tmp_path / "没有的文件夹" / "结果.json" if where == "no such folder" else tmp_path
    args = [str(roster_path) if a == "ROSTER" else a for a in command]
    p = run(*args, "--out", str(out))
    err = p.stderr.decode()
    assert p.returncode == 2, err
    assert "Traceback" not in err
    assert err.strip() == t("cli.cannot_write", path=str(out))
    assert p.stdout == b""


# --------------------------------------------------------------------------- progress


@pytest.fixture(scope="module")
def progress_roster(tmp_path_factory) -> Path:
    same = make_id("520102", 2)
    rows = [
        person(1, home_county="金川县"),                                   # 柯桥区 paired, helped
        person(2, region="520102", home_province="贵州", id_number=same, work_district="越城区"),  # 越城区 paired
        person(3, region="520102", home_province="贵州", id_number=same, work_district="嵊州市"),  # same person again
        person(4, region="410102", home_province="河南", work_district="诸暨市"),   # other 中西部
        person(5, region="330102", home_province="浙江", work_district="诸暨市"),   # not counted
        person(6, registered_poor="否"),                                    # not 建档立卡
        person(7, work_district="杭州市"),                                   # error row
        person(8, first_employment_date="2017-06-01"),                      # counts in 2017
        person(9, region="150102", home_province="内蒙古", first_employment_date="2018-12-31", work_district="新昌县"),
        person(10, region="220102", home_province="吉林", home_county="金川县", work_district="上虞区"),  # not Sichuan
        person(11, region="513229", work_district="嵊州市"),                 # old 马尔康 code, county blank: helped
        person(12, region="510104", work_district="嵊州市"),                 # 成都: paired, not helped
    ]
    path = tmp_path_factory.mktemp("progress") / "r.csv"
    path.write_bytes(roster(rows))
    return path


def _counts(total=0, paired=0, other=0, helped=0):
    return {"total": total, "paired_four": paired, "other_central_western": other, "sichuan_helped": helped}


def test_progress_json(progress_roster):
    p = run("progress", str(progress_roster), "--year", "2018", "--format", "json")
    assert p.returncode == 0, p.stderr.decode()
    report = json.loads(p.stdout)
    assert set(report) == {"year", "city", "targets", "by_district"}
    assert report["year"] == 2018
    assert report["targets"] == {"total": 1784, "paired_four": 415, "other_central_western": 1369, "sichuan_helped": 346}
    assert list(report["by_district"]) == list(reference.districts()["name"])
    assert report["city"] == _counts(total=7, paired=5, other=2, helped=2)
    assert report["by_district"] == {
        "越城区": _counts(1, 1, 0, 0),
        "柯桥区": _counts(1, 1, 0, 1),
        "诸暨市": _counts(1, 0, 1, 0),
        "上虞区": _counts(1, 1, 0, 0),
        "新昌县": _counts(1, 0, 1, 0),
        "嵊州市": _counts(2, 2, 0, 1),
    }


def test_progress_of_a_file_does_not_create_a_database(progress_roster, tmp_path):
    """Without a database set up, a file's progress has the notice's targets (none after 2018)
    and leaves no database file behind."""
    db = tmp_path / "none" / "shaoxing.db"
    env = {**os.environ, "SHAOXING_DB_PATH": str(db)}
    env.pop("DATABASE_URL", None)
    p = subprocess.run([sys.executable, "-m", "core", "progress", str(progress_roster), "--year", "2019"],
                       cwd=REPO, capture_output=True, timeout=120, env=env)
    assert p.returncode == 0, p.stderr.decode()
    assert json.loads(p.stdout)["targets"] == dict.fromkeys(("total", "paired_four", "other_central_western",
                                                             "sichuan_helped"))
    assert not db.exists() and not db.parent.exists()


def test_progress_counts_by_year_of_first_employment(progress_roster, capsysbinary):
    assert main(["progress", str(progress_roster), "--year", "2017"]) == 0
    report = json.loads(capsysbinary.readouterr().out)
    assert report["city"] == _counts(1, 1, 0, 1)
    assert report["by_district"]["柯桥区"] == _counts(1, 1, 0, 1)
    # targets after 2018 are entered by an administrator, never taken from the notice
    assert main(["progress", str(progress_roster), "--year", "2019"]) == 0
    later = json.loads(capsysbinary.readouterr().out)
    assert later["targets"] != {"total": 1784, "paired_four": 415, "other_central_western": 1369, "sichuan_helped": 346}
    assert later["city"] == _counts()


# --------------------------------------------------------------------------- template


def test_template_csv_on_stdout():
    p = run("template", "--format", "csv")
    assert p.returncode == 0
    assert p.stdout.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(p.stdout.decode("utf-8-sig"))))
    assert header == [c.header for c in reference.columns()]


def test_template_xlsx_out(tmp_path):
    out = tmp_path / "t.xlsx"
    assert run("template", "--format", "xlsx", "--out", str(out)).returncode == 0
    wb = openpyxl.load_workbook(out)
    assert "名单" in wb.sheetnames
    assert [c.value for c in wb["名单"][1]][: len(HEADER)] == [c.header for c in reference.columns()]
