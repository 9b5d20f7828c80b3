"""The monthly statistics table and the bulletin (core.report, core.bulletin, core.db.work_reports,
the command line) on SQLite and PostgreSQL: every figure against sums the test makes itself from
what it stored."""
from __future__ import annotations

import datetime as dt
import io
import json

import docx
import openpyxl
import pandas as pd
import pytest
from sqlalchemy import insert, select, update

from core import cli
from core.db import audit, events, targets, work_reports
from core.db.accounts import AccountError
from core.db.models import followups, payments, uploads
from core.db.session import reading, transaction
from core.db.uploads import load_rows, store_upload
from core.i18n import t
from core.items import ITEMS
from tests.db_conftest_helpers import db, evaluate, pg_db, pg_server, person, roster_csv, sqlite_db, user  # noqa: F401

YEAR, MONTH = 2018, 6
JUNE, MARCH = dt.datetime(2018, 6, 15, 9), dt.datetime(2018, 3, 10, 9)
HEBEI = {"户籍省份": "河北省", "户籍县（市、区）": ""}       # 其他中西部


def fixture_data(admin):
    """Upload A (checked 2018-06-15) and B (2018-03-10); who counts where is said beside each row."""
    a = [person(1, **{"首次来绍就业日期": "2018-06-03"}),                          # June, 柯桥区, 四省, helped
         person(2, **{"首次来绍就业日期": "2018-02-10"}),                          # Feb, 柯桥区
         person(3, "越城区", **HEBEI, **{"首次来绍就业日期": "2018-06-20"}),     # June, 越城区, other
         person(4, "越城区", **HEBEI, **{"首次来绍就业日期": "2018-07-01"}),     # after June
         person(5, **{"首次来绍就业日期": "2017-12-01"}),                          # 2017
         person(6, **{"建档立卡": "否"}),                                         # not counted
         person(7, "诸暨市", **{"首次来绍就业日期": "2018-05-05"})]               # earlier in B
    b = [person(7, "上虞区", **{"首次来绍就业日期": "2018-01-15"}),               # counted here: Jan, 上虞区
         person(8, **{"首次来绍就业日期": "2018-03-01"})]                          # March, 柯桥区
    ids = []
    for rows, when in ((a, JUNE), (b, MARCH)):
        data = roster_csv(rows)
        up = store_upload(evaluate(data), admin, f"{when:%m}.csv", data).upload_id
        with transaction() as conn:
            conn.execute(update(uploads).where(uploads.c.id == up).values(uploaded_at=when))
            conn.execute(update(payments).where(payments.c.upload_id == up).values(created_at=when))
        ids.append(up)
    targets.set_targets(YEAR, {"total": 10, "paired_four": 10, "other_central_western": 0}, admin, district="柯桥区")
    targets.set_targets(YEAR, {"total": 2, "paired_four": 2, "other_central_western": 0}, admin, district="上虞区")
    events.add_fair(admin, "柯桥区", dt.date(2018, 6, 10), "金川县", ["甲", "乙"], province="51")
    events.add_fair(admin, "柯桥区", dt.date(2018, 2, 1), "理县", ["甲"], province="51")
    events.add_fair(admin, "越城区", dt.date(2018, 6, 20), "金川县", ["丙"], province="51")
    events.add_fair(admin, "诸暨市", dt.date(2018, 8, 1), "金川县", ["丁"], province="51")
    now = dt.datetime(2018, 7, 1)

    def follow(district, kind, value, day, corrects=None):
        with transaction() as conn:
            return conn.execute(insert(followups).values(
                person_key="k", district=district, kind=kind, value=value, date=day, note="", officer="o",
                created_at=now, corrects_id=corrects).returning(followups.c.id)).scalar_one()

    follow("柯桥区", "service", "consultation", dt.date(2018, 6, 1))
    follow("柯桥区", "service", "consultation", dt.date(2018, 6, 2))
    follow("柯桥区", "service", "job_push", dt.date(2018, 5, 2))
    wrong = follow("柯桥区", "service", "training", dt.date(2018, 6, 3))
    follow("柯桥区", "service", "other", dt.date(2018, 6, 3), corrects=wrong)     # the training was not one
    follow("柯桥区", "status", "employed", dt.date(2018, 6, 3))
    follow("柯桥区", "service", "consultation", dt.date(2017, 6, 3))
    follow("柯桥区", "service", "consultation", dt.date(2018, 7, 3))
    follow("越城区", "service", "consultation", dt.date(2018, 6, 9))
    return ids


def expected_items(district=None) -> dict:
    """Due from the stored rows and paid from the ledger, summed here with pandas."""
    rows = load_rows()
    rows = rows[rows["valid"]]
    with reading() as conn:
        paid = pd.DataFrame(conn.execute(select(payments.c.item, payments.c.amount, payments.c.upload_id,
                                                payments.c.row, payments.c.created_at)
                                         .where(payments.c.active.is_(True))).mappings().all())
    paid = paid.merge(load_rows()[["upload_id", "row", "work_district"]], on=["upload_id", "row"])
    if district:
        rows = rows[rows["work_district"] == district]
        paid = paid[paid["work_district"] == district]
    june = rows["uploaded_at"].dt.month == 6
    pj = pd.to_datetime(paid["created_at"]).dt.month == 6
    out = {item: {"due_month": int(rows.loc[june, item].sum()), "due_year": int(rows[item].sum()),
                  "paid_month": int(paid.loc[pj & (paid["item"] == item), "amount"].sum()),
                  "paid_year": int(paid.loc[paid["item"] == item, "amount"].sum())} for item in ITEMS}
    # no local standard is set in these tests: the employer's item has no amount (未配置), never 0
    assert out["employer_social_insurance"] == dict.fromkeys(out["employer_social_insurance"], 0)
    out["employer_social_insurance"] = dict.fromkeys(out["employer_social_insurance"])
    return out


def hires(total, paired, other, helped):
    return {"total": total, "paired_four": paired, "other_central_western": other, "sichuan_helped": helped}


def test_city_and_district_figures(db):
    admin = user("admin")
    fixture_data(admin)
    city = work_reports.monthly_report(YEAR, MONTH, admin)
    assert city["unit"] == t("reports.report.city") and city["district"] is None
    assert city["new_hires"]["month"] == hires(2, 1, 1, 1)
    assert city["new_hires"]["year_to_date"] == hires(5, 4, 1, 4)
    assert city["new_hires"]["targets"] == hires(1784, 415, 1369, 346)      # the notice's
    assert city["new_hires"]["completion"]["total"] == round(5 / 1784, 4)
    assert city["by_district"]["上虞区"]["year_to_date"]["total"] == 1        # the earliest row's district
    assert city["by_district"]["诸暨市"]["year_to_date"]["total"] == 0
    assert city["by_district"]["越城区"]["month"] == hires(1, 0, 1, 0)
    items = {r["item"]: {k: r[k] for k in ("due_month", "due_year", "paid_month", "paid_year")} for r in city["items"]}
    assert items == expected_items()
    assert sum(v["due_year"] or 0 for v in items.values()) > sum(v["due_month"] or 0 for v in items.values()) > 0
    assert sum(v["paid_year"] or 0 for v in items.values()) > 0
    assert city["fairs"] == {"month": {"fairs": 2, "enterprises": 3}, "year_to_date": {"fairs": 3, "enterprises": 4}}
    assert city["services"]["month"] == {"consultation": 3, "unemployment_registration": 0, "job_push": 0,
                                         "training": 0, "other": 1}
    assert city["services"]["year_to_date"]["job_push"] == 1 and city["services"]["year_to_date"]["consultation"] == 3

    ke = work_reports.monthly_report(YEAR, MONTH, admin, "柯桥区")
    assert ke["unit"] == "柯桥区" and "by_district" not in ke
    assert ke["new_hires"]["month"] == hires(1, 1, 0, 1)
    assert ke["new_hires"]["year_to_date"] == hires(3, 3, 0, 3)
    assert ke["new_hires"]["completion"]["total"] == 0.3
    assert {r["item"]: {k: r[k] for k in ("due_month", "due_year", "paid_month", "paid_year")}
            for r in ke["items"]} == expected_items("柯桥区")
    assert ke["fairs"] == {"month": {"fairs": 1, "enterprises": 2}, "year_to_date": {"fairs": 2, "enterprises": 3}}
    assert ke["services"]["month"]["consultation"] == 2 and ke["services"]["month"]["training"] == 0
    assert ke["services"]["month"]["other"] == 1 and ke["services"]["year_to_date"]["job_push"] == 1


def test_filed_xlsx(db):
    from core.report import to_xlsx_bytes

    admin = user("admin")
    fixture_data(admin)
    rep = work_reports.monthly_report(YEAR, MONTH, admin, "柯桥区")
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(rep)))
    ws = wb[t("reports.report.sheet")]
    assert ws["A1"].value == t("reports.report.title", unit="柯桥区", year=YEAR, month=MONTH)
    assert ws["A2"].value == t("reports.report.filed_by", unit="柯桥区")
    assert ws["D2"].value.startswith(t("reports.report.filed_on", day="")) and rep["filed_on"] in ws["D2"].value
    cells = {r[0]: r[1:] for r in ws.iter_rows(values_only=True) if r[0]}
    assert cells[t("reports.report.category.total")][:4] == (1, 3, 10, "30.0%")
    units = [v for r in ws.iter_rows(values_only=True) for v in r if isinstance(v, str) and v.startswith("单位")]
    assert units == [t("reports.report.unit", unit=t(f"reports.report.units.{u}")) for u in
                     ("people", "yuan", "fairs", "times")]
    assert cells[t("reports.report.service.consultation")][:2] == (2, 2)
    assert len(wb.sheetnames) == 1          # a district's table has no sheet by district


def test_an_unset_local_standard_is_not_configured_not_0(db):
    """企业社会保险补贴 with no local standard: None in the JSON, 未配置 on screen and in the filed
    table, as the roster page says it; once an administrator enters one, its figures are yuan."""
    from core.report import report_tables, to_xlsx_bytes

    admin = user("admin")
    fixture_data(admin)
    title = t("rules.item_title.employer_social_insurance")
    rep = work_reports.monthly_report(YEAR, MONTH, admin, "柯桥区")
    row = next(r for r in rep["items"] if r["item"] == "employer_social_insurance")
    assert [row[c] for c in ("due_month", "paid_month", "due_year", "paid_year")] == [None] * 4
    assert json.loads(json.dumps(rep))["items"] == rep["items"]          # null in the JSON
    shown = report_tables(rep)["items"].set_index(t("reports.report.col.item"))
    assert list(shown.loc[title]) == [t("ui.common.not_set")] * 4
    assert shown.loc[t("rules.item_title.stabilization")].str.match(r"^[\d,]+$").all()   # other items in yuan
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(rep)))[t("reports.report.sheet")]
    cells = {r[0]: r[1:5] for r in ws.iter_rows(values_only=True) if r[0]}
    assert cells[title] == (t("ui.common.not_set"),) * 4
    assert all(isinstance(v, int) for v in cells[t("rules.item_title.stabilization")])

    targets.set_standard("employer_social_insurance.monthly", 300, admin)
    rep = work_reports.monthly_report(YEAR, MONTH, admin, "柯桥区")
    row = next(r for r in rep["items"] if r["item"] == "employer_social_insurance")
    assert [row[c] for c in ("due_month", "paid_month", "due_year", "paid_year")] == [0] * 4


def test_bulletin_docx_read_back(db):
    admin = user("admin")
    fixture_data(admin)
    data = work_reports.bulletin(YEAR, MONTH, admin)
    doc = docx.Document(io.BytesIO(data))
    table = doc.tables[0]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == [t(f"reports.bulletin.col.{k}") for k in ("rank", "district", "people", "target", "completion")]
    assert rows[1] == ["1", "上虞区", "1", "2", "50.0%"]
    assert rows[2] == ["2", "柯桥区", "3", "10", "30.0%"]
    assert rows[3][:3] == ["", "越城区", "1"] and rows[3][4] == t("reports.bulletin.no_target")
    assert [r[1] for r in rows[4:]] and all(r[2] == "0" for r in rows[4:])
    text = "\n".join(p.text for p in doc.paragraphs)
    period = t("reports.bulletin.period", year=YEAR, month=MONTH)
    assert t("reports.bulletin.title", period=period) in text
    assert t("reports.bulletin.no_fair", year=YEAR, districts="诸暨市、上虞区、新昌县、嵊州市") in text
    assert len(doc.inline_shapes) == 1           # the chart
    png = doc.part.related_parts[doc.inline_shapes[0]._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
    assert png.startswith(b"\x89PNG")


def test_roles_and_audit(db):
    admin = user("admin")
    fixture_data(admin)
    ke = user("district_officer", "ke", "柯桥区")
    boss = user("leader", "boss")
    assert work_reports.monthly_report(YEAR, MONTH, ke)["unit"] == "柯桥区"      # its own district
    assert work_reports.monthly_report(YEAR, MONTH, boss)["unit"] == t("reports.report.city")
    with pytest.raises(AccountError):
        work_reports.monthly_report(YEAR, MONTH, ke, "越城区")
    with pytest.raises(AccountError):
        work_reports.bulletin(YEAR, MONTH, ke)
    with pytest.raises(AccountError):
        work_reports.monthly_report(YEAR, MONTH, None)
    assert work_reports.bulletin(YEAR, None, boss).startswith(b"PK")
    log = audit.entries()
    assert list(log.loc[log["action"] == "report", "actor"]) == ["boss", "ke"]
    assert list(log.loc[log["action"] == "bulletin", "actor"]) == ["boss"]


def test_command_line(db, tmp_path, capsys):
    admin = user("admin")
    fixture_data(admin)
    user("district_officer", "ke", "柯桥区")
    assert cli.main(["report", "--year", "2018", "--month", "6", "--district", "柯桥区", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["new_hires"]["year_to_date"]["total"] == 3 and out["unit"] == "柯桥区"
    path = tmp_path / "r.xlsx"
    assert cli.main(["report", "--year", "2018", "--month", "6", "--out", str(path)]) == 0
    assert openpyxl.load_workbook(path).sheetnames == [t("reports.report.sheet"), t("reports.report.sheet_districts")]
    doc = tmp_path / "b.docx"
    assert cli.main(["bulletin", "--year", "2018", "--month", "6", "--out", str(doc)]) == 0
    assert docx.Document(str(doc)).tables[0].rows[1].cells[1].text == "上虞区"
    assert cli.main(["report", "--year", "2018", "--month", "6", "--user", "ke", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["unit"] == "柯桥区"
    assert cli.main(["report", "--year", "2018", "--month", "6", "--user", "ke", "--district", "越城区"]) == 1
    assert cli.main(["bulletin", "--year", "2018", "--out", str(doc), "--user", "ke"]) == 1
    assert cli.main(["report", "--year", "2018", "--month", "6", "--out", str(tmp_path / "no" / "r.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and t("cli.cannot_write", path=str(tmp_path / "no" / "r.xlsx")) in err
    for argv in (["report", "--year", "2018", "--month", "13"], ["bulletin", "--year", "2018"]):
        with pytest.raises(SystemExit) as exit_:
            cli.main(argv)
        assert exit_.value.code == 2
