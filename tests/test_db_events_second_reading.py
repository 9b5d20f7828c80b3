"""Storage of the second reading's event items: a fair's province (migration 0002), and the
Sichuan helped counties administrators add (core.db.counties) reaching the roster evaluation."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from sqlalchemy import insert

from core import reference
from core.db import audit, counties, events
from core.db.accounts import AccountError
from core.enterprise import fairs_per_district, recruitment_fair_subsidies
from core.i18n import t
from tests.db_conftest_helpers import (  # noqa: F401  (fixtures)
    db, evaluate, make_id, person, pg_db, pg_server, roster_csv, sqlite_db, user,
)


def test_a_fair_is_stored_with_its_province(db):
    officer = user("city_officer")
    events.add_fair(officer, "柯桥区", dt.date(2019, 5, 1), "黔东南州凯里市", ["甲公司"], province="贵州")
    events.add_fair(officer, "越城区", dt.date(2019, 5, 2), "恩施州", ["乙公司"], province="42")
    events.add_fair(officer, "上虞区", dt.date(2019, 5, 3), "阿坝州小金县", ["丙公司"])    # the place names it
    for bad, key in (("火星", "bad_province"), (None, "province_required")):
        with pytest.raises(AccountError) as err:
            events.add_fair(officer, "上虞区", dt.date(2019, 5, 4), "人才市场", ["丁公司"], province=bad)
        assert err.value.key == f"db.events.{key}"
    f = events.fairs_frame(2019)
    assert f["province"].tolist() == ["52", "42", "51"]
    out = recruitment_fair_subsidies(f)
    assert out["amount"].tolist() == [3000] * 3 and not out["province_derived"].any()
    assert out["own_paired_county"].tolist() == [False, False, True]       # 上虞区 → 小金县
    detail = json.loads(audit.entries(action="event_add")["detail"].iloc[0])
    assert detail["province"] == "51"


def test_a_fair_holds_at_most_so_many_enterprises(db):
    """A pasted list of thousands of lines is refused with a sentence, not stored (each name is one
    row and one 招聘补贴 of 3000): the page's box takes at most MAX_ENTERPRISE_TEXT characters."""
    officer = user("city_officer")
    many = [f"企业{i}" for i in range(events.MAX_FAIR_ENTERPRISES + 1)]
    with pytest.raises(AccountError) as err:
        events.add_fair(officer, "柯桥区", dt.date(2019, 5, 1), "恩施州", many, province="42")
    assert err.value.key == "db.events.too_many_enterprises"
    assert str(events.MAX_FAIR_ENTERPRISES) in err.value.text("zh")
    assert len(events.fairs_frame(2019)) == 0
    events.add_fair(officer, "柯桥区", dt.date(2019, 5, 1), "恩施州", many[:-1], province="42")
    assert len(events.fairs_frame(2019)) == events.MAX_FAIR_ENTERPRISES


def test_a_fair_stored_before_the_province_field_is_derived_or_asks_for_it(db):
    """Fairs of revision 0001 have no province: the place gives it where it names it; otherwise
    nothing is paid and the reason asks to record it, which an officer does (audited)."""
    from core.db.models import fair_enterprises, fairs
    from core.db.session import transaction, utcnow

    officer = user("city_officer")
    with transaction() as conn:
        for i, (district, venue) in enumerate((("柯桥区", "金川县"), ("越城区", "州人才市场"))):
            conn.execute(insert(fairs).values(id=100 + i, district=district, date=dt.date(2019, 6, 1), venue=venue,
                                              created_at=utcnow(), demo=False))
            conn.execute(insert(fair_enterprises).values(fair_id=100 + i, enterprise=f"企业{i}"))
    f = events.fairs_frame(2019)
    assert f["province"].isna().all()
    out = recruitment_fair_subsidies(f)
    assert out["amount"].tolist() == [3000, 0]
    assert out["province_derived"].tolist() == [True, False]
    assert t("enterprise.fair_province_derived") in out["reason"].iloc[0]
    assert out["reason"].iloc[1].startswith(t("enterprise.fair_province_unknown", provinces="x").split("（")[0])
    assert fairs_per_district(f, 2019).set_index("district").loc["越城区", "fairs"] == 0
    with pytest.raises(AccountError):
        events.set_fair_province(user("district_officer", "ke", "柯桥区"), 101, "湖北")
    with pytest.raises(AccountError):
        events.set_fair_province(officer, 999, "湖北")
    events.set_fair_province(officer, 101, "湖北")
    out = recruitment_fair_subsidies(events.fairs_frame(2019))
    assert out["amount"].tolist() == [3000, 3000] and out["province"].tolist() == ["51", "42"]
    log = audit.entries(action="event_update")
    assert len(log) == 1 and log["target"].iloc[0] == "fair#101"
    assert json.loads(log["detail"].iloc[0]) == {"kind": "fair", "old": None, "new": "42"}


def test_the_migration_keeps_fairs_of_revision_0001(sqlite_db):
    """0001 → 0002 on a database with a fair: the fair stays, its province NULL, and the
    helped-counties table exists."""
    from sqlalchemy import text

    from core.db import session

    eng = session.make_engine(sqlite_db)
    assert session.upgrade(eng, "0001") == "0001"
    with eng.begin() as conn:
        conn.execute(text("INSERT INTO fairs (id, district, date, venue, created_at, demo) "
                          "VALUES (1, '柯桥区', '2019-05-01', '金川县', '2019-05-01 00:00:00', 0)"))
    assert session.upgrade(eng, "0002") == "0002"
    with eng.connect() as conn:
        assert conn.execute(text("SELECT venue, province FROM fairs")).all() == [("金川县", None)]
        assert conn.execute(text("SELECT count(*) FROM helped_counties")).scalar() == 0
    eng.dispose()


def test_the_reference_list_holds_the_counties_facts_names():
    """The 21 distinct counties public sources name (FACTS.md says 22; it lists 21), with their
    codes, 马尔康's old code, and the four paired with Shaoxing."""
    h = reference.helped_counties_file()
    expected = {
        "513201": "马尔康市", "513221": "汶川县", "513222": "理县", "513223": "茂县", "513224": "松潘县",
        "513225": "九寨沟县", "513226": "金川县", "513227": "小金县", "513228": "黑水县", "513230": "壤塘县",
        "513231": "阿坝县", "513232": "若尔盖县", "513233": "红原县", "513422": "木里藏族自治县",
        "511113": "金口河区", "511129": "沐川县", "511132": "峨边彝族自治县", "511133": "马边彝族自治县",
        "511321": "南部县", "510822": "青川县", "511602": "广安区",
    }
    assert dict(zip(h["code"], h["name"])) == expected
    assert h.set_index("code").loc["513201", "old_codes"] == "513229"
    paired = h[h["paired_with_shaoxing"] != ""]
    assert set(paired["code"]) == {"511133", "513226", "513227", "513201"}
    assert (h["source"].str.strip() != "").all() and (h["prefecture"] != "").all()


def _roster(county: str, region: str) -> bytes:
    return roster_csv([person(1, **{"身份证号": make_id(region, "19900101", 1), "户籍县（市、区）": county})])


def test_a_county_added_by_an_administrator_counts_as_helped(db):
    """Added without a code change, audited; from then on a roster row from that county is
    sichuan_helped (core.engine through core.normalize) and progress counts it; removed, it is
    not. Neither core.validate nor core.rules reads the database."""
    from core.progress import progress

    admin = user("admin")
    content = _roster("雷波县", "513437")          # 凉山州雷波县: not in the file's list
    before = evaluate(content).frame
    assert not before["sichuan_helped"].any()
    assert progress(before, 2018)["city"]["sichuan_helped"] == 0
    for bad, key in (("51343", "bad_code"), ("520102", "not_sichuan"), ("513226", "in_file")):
        with pytest.raises(AccountError) as err:
            counties.add_county(admin, bad, "某县")
        assert err.value.key == f"db.counties.{key}"
    with pytest.raises(AccountError):
        counties.add_county(user("city_officer"), "513437", "雷波县")
    counties.add_county(admin, "513437", "雷波县", aliases=["雷波"], prefecture="凉山彝族自治州", source="县政府公告")
    with pytest.raises(AccountError) as err:
        counties.add_county(admin, "513437", "雷波县")
    assert err.value.key == "db.counties.exists"
    after = evaluate(content).frame
    assert after["sichuan_helped"].all()
    assert progress(after, 2018)["city"]["sichuan_helped"] == 1
    assert evaluate(_roster("雷波", "513437")).frame["sichuan_helped"].all()            # the alias
    assert evaluate(_roster("", "513437")).frame["sichuan_helped"].all()                # the ID number's code
    assert evaluate(_roster("凉山州雷波县", "513437")).frame["sichuan_helped"].all()      # with its prefecture
    log = audit.entries(action="county_add")
    assert len(log) == 1 and log["target"].iloc[0] == "513437 雷波县"
    table = counties.all_counties().set_index("code")
    assert table.loc["513437", "origin"] == "admin" and table.loc["513226", "origin"] == "file"
    counties.remove_county(admin, "513437")
    assert not evaluate(content).frame["sichuan_helped"].any()
    assert len(audit.entries(action="county_remove")) == 1
    with pytest.raises(AccountError):
        counties.remove_county(admin, "513226")          # the file's counties stay


def test_another_process_sees_an_addition_on_its_next_refresh(sqlite_db):
    """A server process that did not make the change: its table is the file's until refresh()
    reads the database (the app does so on every page run, at most every REFRESH_SECONDS)."""
    admin = user("admin")
    counties.add_county(admin, "513437", "雷波县")
    reference.set_helped_county_extensions([])          # as another process would be
    counties._loaded_at = None
    assert "513437" not in set(reference.sichuan_helped_counties()["code"])
    counties.refresh()
    assert "513437" in set(reference.sichuan_helped_counties()["code"])
    version = reference.helped_counties_version()
    counties.refresh()                                  # fresh: not read again, nothing changes
    assert reference.helped_counties_version() == version


def test_counties_on_the_command_line(sqlite_db, capsys):
    from core.cli import main

    assert main(["counties", "add", "513437", "雷波县", "--alias", "雷波", "--prefecture", "凉山州"]) == 0
    assert "513437" in capsys.readouterr().out
    assert main(["counties", "add", "52", "某县"]) == 1
    assert t("db.counties.bad_code", code="52") in capsys.readouterr().err
    assert main(["counties", "list", "--format", "json"]) == 0
    listed = {r["code"]: r for r in json.loads(capsys.readouterr().out)}
    assert len(listed) == len(reference.helped_counties_file()) + 1
    assert listed["513437"]["origin"] == "admin" and listed["513437"]["aliases"] == "雷波"
    assert audit.entries(action="county_add")["actor"].iloc[0].startswith("cli")
    # `python -m core evaluate` in a fresh process reads the addition before it evaluates
    reference.set_helped_county_extensions([])
    counties._loaded_at = None
    path = pd.io.common.Path(sqlite_db.replace("sqlite:///", "")).parent / "r.csv"
    path.write_bytes(_roster("雷波县", "513437"))
    assert main(["evaluate", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["rows"][0]["sichuan_helped"] is True


def test_love_posts_of_one_id_number_written_differently_are_one_person(db):
    """The stored key is built on the roster's normalisation: spaces, full-width digits and a
    lower-case x give the same person, whose months are capped together."""
    from core.enterprise import love_post_subsidies

    officer = user("city_officer")
    number = make_id("513226", "19900101", 7)
    written = [number, f"{number[:6]} {number[6:14]} {number[14:]}",
               number.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))]
    for year, text in zip((2018, 2019, 2020), written):
        events.add_love_post(officer, "某单位", year, 12, person_name="李四", id_number=text)
    events.add_love_post(officer, "另一单位", 2020, 6, person_name="李四", id_number=number.lower())
    posts = events.love_posts_frame()
    assert posts["person_key"].nunique() == 1 and posts["id_number_masked"].nunique() == 1
    out = love_post_subsidies(posts, 1000)
    assert out["counted_months"].tolist() == [12, 12, 12, 0]


def test_stored_rows_count_by_the_list_as_it_stands_now(db, tmp_path):
    """A roster stored before an administrator added its county: the stored progress counts the
    person as from Sichuan's helped areas once the county is added (and not after it is removed)."""
    from core.db.cli import import_roster, progress_from_db
    from core.engine import evaluate_file
    from core.progress import progress

    def progress_from_file(p):
        return progress(evaluate_file(p.read_bytes(), p.name).frame, 2018)

    admin = user("admin")
    path = tmp_path / "r.csv"
    path.write_bytes(roster_csv([person(1, **{"身份证号": make_id("513437", "19900101", 1), "户籍县（市、区）": "雷波县"}),
                                 person(2, **{"身份证号": make_id("513226", "19900101", 2)}),
                                 person(3, **{"身份证号": make_id("513437", "19900101", 3), "户籍县（市、区）": ""})]))
    import_roster(path, admin.name)
    assert progress_from_db(2018)["city"]["sichuan_helped"] == 1              # 金川县 only
    counties.add_county(admin, "513437", "雷波县")
    # by the stored county; a row whose county is blank was decided by its ID number when checked,
    # and the stored mask keeps no region code to decide it again (docs/DATA_PROTECTION.md)
    assert progress_from_db(2018)["city"]["sichuan_helped"] == 2
    assert progress_from_db(2018)["by_district"]["柯桥区"]["sichuan_helped"] == 2
    counties.remove_county(admin, "513437")
    assert progress_from_db(2018)["city"]["sichuan_helped"] == 1
    # a roster checked after the addition counts the blank-county person by the ID number's region
    counties.add_county(admin, "513437", "雷波县")
    assert progress_from_file(path)["city"]["sichuan_helped"] == 3


def test_the_roster_evaluation_does_not_import_the_database():
    """The additions reach the roster through core.reference; the evaluation itself (validate,
    rules, engine, normalize, enterprise) imports nothing of core.db or SQLAlchemy."""
    import subprocess
    import sys

    from core.paths import ROOT

    code = ("import sys, core.engine, core.validate, core.rules, core.normalize, core.enterprise, core.progress; "
            "print(sorted(m for m in sys.modules if m.startswith(('core.db', 'sqlalchemy'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
