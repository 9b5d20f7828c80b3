"""Reconciliation with the province's list (core.reconcile, core.db.work_reports, the command
line), on SQLite and PostgreSQL, with lists in GBK CSV, .xlsx and .xls crafted to put rows in
every group."""
from __future__ import annotations

import io
import json

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from core import cli, reconcile
from core.db import audit, work_reports
from core.db.accounts import AccountError
from core.db.uploads import store_upload
from core.i18n import t
from core.reader import RosterReadError
from tests.db_conftest_helpers import db, evaluate, make_id, person, pg_db, pg_server, roster_csv, sqlite_db, user  # noqa: F401
from tests.test_reader import build_xls

HEADERS = ["序号", "姓名", "身份证号", "户籍省份", "备注"]


def pid(n: int) -> str:
    return make_id("513226", "19900101", n)


def stored(db):
    """柯桥区 people 1-6 and 越城区 person 20, stored by a city officer."""
    officer = user("city_officer")
    rows = [person(n) for n in range(1, 7)] + [person(20, district="越城区")]
    data = roster_csv(rows)
    store_upload(evaluate(data), officer, "roster.csv", data)
    return officer


def province_rows() -> list[list[str]]:
    """The list: row 2 same person; 3 another name; 4 another province; 5 the ID typed with
    spaces, a lower-case x and full-width digits (still person 4); 6 someone not here; 7 a bad
    ID; 8 and 9 one new number twice; a formula-looking name on row 6."""
    p4 = pid(4)
    typed = " ".join([p4[:6], p4[6:14], p4[14:]]).lower().replace("1", "１")
    return [
        ["1", "测试1", pid(1), "四川省", "甲"],
        ["2", "张三", pid(2), "四川省", ""],
        ["3", "测试3", pid(3), "贵州省", ""],
        ["4", "测试4", typed, "四川", ""],
        ["5", "=HYPERLINK(\"x\")", pid(30), "四川省", "新增"],
        ["6", "李四", "51322619900101001", "四川省", ""],
        ["7", "王五", pid(40), "四川省", ""],
        ["8", "王五", pid(40), "四川省", ""],
    ]


def gbk_csv(rows) -> bytes:
    return pd.DataFrame(rows, columns=HEADERS).to_csv(index=False).encode("gbk")


def xlsx(rows) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet("Sheet1")
    ws.write_row(0, 0, HEADERS)
    for i, r in enumerate(rows, start=1):
        ws.write_row(i, 0, r)
    wb.close()
    return buf.getvalue()


def xls(rows) -> bytes:
    return build_xls([HEADERS] + rows, sheet="Sheet1")


FILES = {"list.csv": gbk_csv, "list.xlsx": xlsx, "list.xls": xls}


def by_row(frame: pd.DataFrame) -> list[int]:
    return sorted(frame["row"].astype(int).tolist())


@pytest.mark.parametrize("name", list(FILES))
def test_each_group_from_each_format(db, name):
    officer = stored(db)
    data = FILES[name](province_rows())
    rec = work_reports.reconcile_file(data, name, officer, "柯桥区")
    g = rec.groups
    assert by_row(g["matched"]) == [2, 5]               # row 5: the same number typed otherwise
    assert by_row(g["differs"]) == [3, 4]
    diff = g["differs"].set_index("row")
    assert diff.loc[3, "fields"] == "name" and diff.loc[3, "local_name"] == "测试2"
    assert "张三" in diff.loc[3, "reason"] and "测试2" in diff.loc[3, "reason"]
    assert diff.loc[4, "fields"] == "home_province" and t("reports.reconcile.field.home_province") in diff.loc[4, "reason"]
    assert by_row(g["only_province"]) == [6]
    assert sorted(g["only_local"]["name"]) == ["测试5", "测试6"]     # 越城区's person 20 is not 柯桥区's
    assert g["only_local"]["id_number_masked"].str.contains(r"^\d{2}\*+[0-9X]{2}$").all()
    assert by_row(g["unmatched"]) == [7, 8, 9]
    un = g["unmatched"].set_index("row")
    assert un.loc[8, "reason"] == t("reports.reconcile.reason.repeated", n=2, first=8)
    assert un.loc[9, "reason"] == un.loc[8, "reason"]
    assert un.loc[7, "reason"].startswith(t("reports.reconcile.reason.bad_id", reason="")[:4])
    # the list's other columns kept, beside their rows
    assert g["matched"].set_index("row").loc[2, "备注"] == "甲"
    assert g["only_province"].set_index("row").loc[6, "备注"] == "新增"
    s = rec.summary
    assert (s["province_rows"], s["local_people"], s["matched"], s["differs"], s["only_province"], s["only_local"],
            s["unmatched"], s["bad_id"], s["repeated"]) == (8, 6, 2, 2, 1, 2, 3, 1, 2)
    # no full ID number leaves the comparison
    text = json.dumps(reconcile.to_json_dict(rec), ensure_ascii=False)
    assert pid(1) not in text and pid(30) not in text and pid(5) not in text


def test_city_wide_and_other_district_rows(db):
    officer = stored(db)
    rows = province_rows()
    frame = pd.DataFrame(rows, columns=HEADERS).assign(就业区县=["柯桥区"] * 5 + ["越城区"] * 3)
    data = frame.to_csv(index=False).encode("utf-8")
    rec = work_reports.reconcile_file(data, "list.csv", officer, None)
    assert sorted(rec.groups["only_local"]["name"]) == ["测试20", "测试5", "测试6"]
    # for 柯桥区, row 6 (a new person of 柯桥区) stays, the other district's rows that match
    # nobody here are left out and counted; the work district is compared where the list has it
    frame.loc[1, "就业区县"] = "诸暨市"
    rec = work_reports.reconcile_file(frame.to_csv(index=False).encode("utf-8"), "list.csv", officer, "柯桥区")
    assert by_row(rec.groups["only_province"]) == [6]
    assert rec.summary["other_district"] == 0          # rows 7-9 are unmatched before any district is looked at
    diff = rec.groups["differs"].set_index("row")
    assert diff.loc[3, "fields"] == "name,work_district"
    frame.loc[4, "就业区县"] = "越城区"          # row 6: a new person of another district
    rec = work_reports.reconcile_file(frame.to_csv(index=False).encode("utf-8"), "list.csv", officer, "柯桥区")
    assert rec.groups["only_province"].empty and rec.summary["other_district"] == 1


def test_xlsx_has_a_sheet_per_group_and_no_live_cells(db):
    officer = stored(db)
    rec = work_reports.reconcile_file(gbk_csv(province_rows()), "list.csv", officer, "柯桥区")
    wb = openpyxl.load_workbook(io.BytesIO(reconcile.to_xlsx_bytes(rec)))
    assert wb.sheetnames == [t("reports.reconcile.sheet.summary")] + [
        t(f"reports.reconcile.sheet.{g}") for g in reconcile.GROUPS]
    for g in reconcile.GROUPS:
        assert wb[t(f"reports.reconcile.sheet.{g}")].max_row == 1 + rec.summary[g]
    names = [c.value for c in wb[t("reports.reconcile.sheet.only_province")]["C"]]
    assert names[1] == "'=HYPERLINK(\"x\")"
    assert all(c.data_type != "f" for ws in wb for row in ws.iter_rows() for c in row)


def test_roles_and_audit(db):
    stored(db)
    ke = user("district_officer", "ke", "柯桥区")
    yc = user("district_officer", "yc", "越城区")
    boss = user("leader", "boss")
    data = gbk_csv(province_rows())
    rec = work_reports.reconcile_file(data, "list.csv", ke, None)      # its own district, without asking
    assert rec.summary["district"] == "柯桥区" and rec.summary["local_people"] == 6
    rec = work_reports.reconcile_file(data, "list.csv", yc, None)
    assert rec.summary["local_people"] == 1 and rec.groups["only_local"]["name"].tolist() == ["测试20"]
    for who, district in ((yc, "柯桥区"), (boss, None), (None, None)):
        with pytest.raises(AccountError):
            work_reports.reconcile_file(data, "list.csv", who, district)
    log = audit.entries()
    mine = log[log["action"] == "reconcile"]
    assert len(mine) == 2 and set(mine["actor"]) == {"ke", "yc"}


def test_bad_file_is_one_sentence(db):
    officer = stored(db)
    with pytest.raises(RosterReadError) as err:
        work_reports.reconcile_file("姓名,身份证号\n张三,1\n".encode("gbk"), "list.csv", officer, None)
    assert err.value.key == "missing_columns" and "户籍省份" in str(err.value)


def test_command_line(db, tmp_path, capsys):
    stored(db)
    user("leader", "boss")
    user("district_officer", "yc", "越城区")
    path = tmp_path / "list.csv"
    path.write_bytes(gbk_csv(province_rows()))
    assert cli.main(["reconcile", str(path), "--district", "绍兴县"]) == 0    # the old name of 柯桥区
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"matched", "differs", "only_province", "only_local", "unmatched", "summary"}
    assert [r["row"] for r in out["differs"]] == [3, 4] and out["differs"][0]["fields"] == ["name"]
    assert out["only_local"][0]["id_number_masked"] and "row" not in out["only_local"][0]
    assert out["matched"][0]["other"] == {"序号": "1", "备注": "甲"}
    xlsx_out = tmp_path / "r.xlsx"
    assert cli.main(["reconcile", str(path), "--format", "xlsx", "--out", str(xlsx_out)]) == 0
    assert len(openpyxl.load_workbook(xlsx_out).sheetnames) == 6
    # refused: a leader, a district officer asking for another district, an unknown account
    assert cli.main(["reconcile", str(path), "--user", "boss"]) == 1
    assert cli.main(["reconcile", str(path), "--user", "yc", "--district", "柯桥区"]) == 1
    assert cli.main(["reconcile", str(path), "--user", "nobody"]) == 1
    capsys.readouterr()
    # unreadable files: one sentence, exit 2
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert cli.main(["reconcile", str(empty)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == t("reader.empty") or err.startswith(t("reader.empty")[:6])
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert cli.main(["reconcile", str(tmp_path / "missing.xlsx")]) == 2
    assert cli.main(["reconcile", str(path), "--out", str(tmp_path / "no" / "such" / "r.json")]) == 2
    with pytest.raises(SystemExit) as exit_:
        cli.main(["reconcile", str(path), "--district", "杭州"])
    assert exit_.value.code == 2


def test_a_person_belongs_to_the_district_of_their_latest_row(db):
    """Person 1 moves from 柯桥区 to 越城区 in a later upload, person 20 from 越城区 to 柯桥区: each
    is a stored person of the district of their latest row only, shown as that row says; a
    withdrawn upload does not count."""
    from core.db.stored_people import district_people
    from core.db.uploads import withdraw_upload

    officer = stored(db)
    later = roster_csv([person(1, district="越城区", **{"姓名": "测试1新"}), person(20, district="柯桥区")])
    store_upload(evaluate(later), officer, "later.csv", later)
    ke, yue = district_people("柯桥区"), district_people("越城区")
    assert sorted(ke["name"]) == ["测试2", "测试20", "测试3", "测试4", "测试5", "测试6"]
    assert list(yue["name"]) == ["测试1新"] and list(yue["work_district"]) == ["越城区"]
    assert len(district_people()) == 7
    withdrawn = roster_csv([person(2, district="越城区")])
    w = store_upload(evaluate(withdrawn), officer, "moved.csv", withdrawn)
    assert "测试2" not in list(district_people("柯桥区")["name"])
    withdraw_upload(w.upload_id, officer, "录错了")
    assert "测试2" in list(district_people("柯桥区")["name"])
    assert sorted(district_people("越城区")["name"]) == ["测试1新"]


def test_demo_people_are_left_out_unless_asked_for(db, tmp_path, capsys):
    """People of a demo upload (python -m core demo) are not compared, as the dashboard and the
    reports leave them out, unless asked for (the page's switch, --include-demo)."""
    from core.db.stored_people import district_people

    officer = stored(db)
    demo = roster_csv([person(n) for n in (50, 51, 52)] + [person(1, **{"姓名": "示例改名"})])
    store_upload(evaluate(demo), officer, "demo.csv", demo, demo=True)
    assert sorted(district_people("柯桥区")["name"]) == [f"测试{n}" for n in range(1, 7)]
    with_demo = district_people("柯桥区", include_demo=True)
    assert len(with_demo) == 9 and "示例改名" in set(with_demo["name"])     # a demo row is the latest then
    data = gbk_csv(province_rows())
    rec = work_reports.reconcile_file(data, "list.csv", officer, "柯桥区")
    assert rec.summary["local_people"] == 6 and rec.summary["only_local"] == 2
    assert rec.summary["matched"] == 2 and rec.summary["differs"] == 2
    rec = work_reports.reconcile_file(data, "list.csv", officer, "柯桥区", include_demo=True)
    assert rec.summary["local_people"] == 9 and rec.summary["only_local"] == 5
    assert rec.summary["differs"] == 3                 # person 1 as the demo row names them
    log = audit.entries()
    assert [json.loads(d).get("include_demo") for d in log.loc[log["action"] == "reconcile", "detail"]] == [True, False]
    path = tmp_path / "list.csv"
    path.write_bytes(data)
    capsys.readouterr()
    assert cli.main(["reconcile", str(path), "--district", "柯桥区"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["only_local"] == 2
    assert cli.main(["reconcile", str(path), "--district", "柯桥区", "--include-demo"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["only_local"] == 5
