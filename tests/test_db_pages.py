"""The login and administration pages run (Streamlit AppTest) and keep others out."""
from __future__ import annotations

import pytest

from core.db import accounts, audit
from core.i18n import t
from core.paths import ROOT
from pages._common import plain
from tests.db_conftest_helpers import sqlite_db, user  # noqa: F401  (fixtures)

st_testing = pytest.importorskip("streamlit.testing.v1")


def page(name: str, who=None):
    at = st_testing.AppTest.from_file(str(ROOT / "pages" / name), default_timeout=60)
    if who is not None:
        accounts.session_login(at.session_state, who)
    return at


def test_setup_then_login_and_failure(sqlite_db, capsys):
    at = page("login.py").run()
    assert not at.exception
    code = accounts.issue_setup_code(echo=None)
    assert code in capsys.readouterr().out
    at.text_input[0].input(code)
    at.text_input[1].input("root")
    at.text_input[2].input("password-123")
    at.text_input[3].input("password-123")
    at.button[0].click().run()
    assert not at.exception and accounts.list_users()[0].role == "admin"
    at = page("login.py").run()
    at.text_input[0].input("root")
    at.text_input[1].input("wrong-password")
    at.button[0].click().run()
    assert at.error and "user" not in at.session_state
    at.text_input[1].input("password-123")
    at.button[0].click().run()
    assert at.session_state["user"].name == "root"
    assert list(audit.entries()["action"][:2]) == ["login", "login_failed"]


def test_signing_in_returns_to_the_page_the_visitor_came_from(sqlite_db):
    """A district officer opens a bookmarked /roster, is asked to sign in, signs in and lands on
    the roster; a leader sent from the same page (not theirs) lands on the first page of their
    role, the dashboard; so does a leader who came straight to the login page."""
    user("district_officer", name="keqiao", district="柯桥区")
    user("leader", name="boss")
    for name, bookmarked, lands_on in (("keqiao", True, t("ui.roster.title")),
                                       ("boss", True, t("ui.dashboard.title")),
                                       ("boss", False, t("ui.dashboard.title"))):
        at = st_testing.AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
        if bookmarked:
            at.switch_page("pages/roster.py").run()
            assert [w.value for w in at.warning] == [t("ui.common.login_required")]
        at.switch_page("pages/login.py").run()
        at.text_input[0].input(name)
        at.text_input[1].input("password-123")
        at.button[0].click().run()
        assert not at.exception and at.session_state["user"].name == name
        assert at.title[0].value == lands_on, (name, bookmarked)
        assert t("ui.common.login_required") not in [w.value for w in at.warning]
        assert t("ui.common.forbidden") not in [e.value for e in at.error]


@pytest.mark.parametrize("name", ["admin_users.py", "admin_audit.py", "admin_targets.py", "events.py"])
def test_admin_pages_render_for_admin_and_refuse_others(sqlite_db, name):
    admin = user("admin")
    at = page(name, admin).run()
    assert not at.exception, at.exception
    ke = user("district_officer", "ke", "柯桥区")
    at = page(name, ke).run()
    assert not at.exception and at.error              # forbidden


def _table(at, header: str):
    return next(df.value for df in at.dataframe if header in df.value.columns)


def test_events_page_shows_each_subsidy_in_words(sqlite_db):
    import datetime as dt

    from core import reference
    from core.db import events, targets
    from core.i18n import t

    admin = user("admin")
    p = reference.policy()
    this_year = p.end.year       # the events page opens on the policy's last year once it is over
    events.add_fair(admin, "柯桥区", dt.date(this_year, 5, 1), "金川县", ["甲公司", "乙公司"])
    for year in (2018, 2019, 2020, 2020):       # 4 × 12 months: the person's 36 months are used up
        events.add_love_post(admin, "丙公司", year, 12, person_name="张三")
    with pytest.raises(accounts.AccountError):   # one record is one year's months
        events.add_love_post(admin, "丙公司", 2022, 13, person_name="张三")
    events.add_base(admin, "丁基地", "provincial", 2019, int(p["base_award.provincial_min_hires"]))
    col = lambda name: t(f"db.col.{name}")  # noqa: E731

    at = page("events.py", admin).run()
    assert not at.exception, at.exception
    fairs = _table(at, col("enterprise"))
    assert list(fairs[col("enterprise")]) == ["甲公司", "乙公司"]
    assert list(fairs[col("amount")]) == [int(p["recruitment_fair.per_enterprise"])] * 2
    assert "fair_id" not in fairs.columns and "demo" not in fairs.columns
    others = [d for d in reference.districts()["name"] if d != "柯桥区"]
    assert any(all(d in w.value for d in others) and "柯桥区" not in w.value for w in at.warning)

    posts = _table(at, col("employer"))
    assert posts[col("counted_months")].tolist() == [12, 12, 12, 0]
    assert sum(posts[col("counted_months")]) == int(p["max_subsidy_months"])
    assert (posts[col("amount")] == t("ui.common.not_set")).all()    # no local standard: no amount, said
    assert any(w.value == t("db.events_page.standard_missing") for w in at.info)
    assert "person_key" not in posts.columns

    bases = _table(at, col("base"))
    assert bases[col("level")].tolist() == [t("db.events_page.level_provincial")]
    assert bases[col("status")].tolist() == [t("rules.status.eligible")]
    assert bases[col("amount")].tolist() == [int(p["base_award.provincial_amount"])]

    targets.set_standard("love_post.monthly", 1000, admin)
    at = page("events.py", admin).run()
    posts = _table(at, col("employer"))
    assert posts[col("amount")].tolist() == [12000, 12000, 12000, 0]
    assert not any(w.value == t("db.events_page.standard_missing") for w in at.info)

    # a fair recorded through the form: a province of the four (Sichuan first) and a place; a fair
    # in the district's own paired county is shown as such; one elsewhere in the four provinces
    # counts as well
    save_fair = lambda: next(b for b in at.button if b.proto.form_id == "db_fair").click().run()  # noqa: E731
    # the form starts empty: no district, date or province chosen for the officer
    assert at.selectbox(key="fair_district").value is None and at.date_input(key="fair_date").value is None
    assert at.selectbox(key="fair_province").value is None
    assert at.selectbox(key="fair_province").options == ["吉林", "湖北", "四川", "贵州"]
    at.selectbox(key="fair_district").set_value("越城区")
    at.text_input(key="fair_venue").input("乐山市马边彝族自治县")
    save_fair()                                   # fields left empty: one sentence naming them
    empty = [t(f"db.events_page.{k}").split("（")[0] for k in ("date", "province", "enterprises")]
    assert [e.value for e in at.error] == [t("officer.events.missing", fields="、".join(empty))]
    assert at.selectbox(key="fair_district").value == "越城区"    # and what was chosen is kept
    at.date_input(key="fair_date").set_value(dt.date(this_year, 6, 1))
    at.selectbox(key="fair_province").set_value("51")
    at.text_area(key="fair_firms").input("戊公司")
    save_fair()
    assert not at.exception, at.exception
    assert at.text_input(key="fair_venue").value == ""          # a saved fair empties the form
    assert at.selectbox(key="fair_district").value is None and at.date_input(key="fair_date").value is None
    assert at.selectbox(key="fair_province").value is None
    at.selectbox(key="fair_district").set_value("上虞区")
    at.date_input(key="fair_date").set_value(dt.date(this_year, 6, 2))
    at.selectbox(key="fair_province").set_value("52")
    at.text_input(key="fair_venue").input("黔东南州凯里市")
    at.text_area(key="fair_firms").input("己公司")
    save_fair()
    assert not at.exception, at.exception
    stored = events.fairs_frame(this_year).set_index("enterprise")
    assert stored.loc["戊公司", ["province", "venue"]].tolist() == ["51", "乐山市马边彝族自治县"]
    assert stored.loc["己公司", ["province", "venue"]].tolist() == ["52", "黔东南州凯里市"]
    fairs = _table(at, col("enterprise")).set_index(col("enterprise"))
    assert fairs.loc["戊公司", col("amount")] == fairs.loc["己公司", col("amount")] == int(p["recruitment_fair.per_enterprise"])
    assert fairs.loc["戊公司", col("own_paired_county")] == t("ui.common.yes")
    assert fairs.loc["己公司", col("own_paired_county")] == t("ui.common.no")
    assert fairs.loc["己公司", col("province_name")] == "贵州"
    assert (fairs[col("to_confirm")] == t("enterprise.fair_to_confirm")).all()
    assert not any("上虞区" in w.value for w in at.warning)   # 贵州 counts
    # a fair stored before the province field, whose place does not name it: recorded here
    from sqlalchemy import insert

    from core.db.models import fair_enterprises, fairs as fairs_table
    from core.db.session import transaction, utcnow

    with transaction() as conn:
        conn.execute(insert(fairs_table).values(id=50, district="嵊州市", date=dt.date(this_year, 7, 1),
                                                venue="州人才市场", created_at=utcnow(), demo=False))
        conn.execute(insert(fair_enterprises).values(fair_id=50, enterprise="辛公司"))
    at = page("events.py", admin).run()
    fairs = _table(at, col("enterprise")).set_index(col("enterprise"))
    assert fairs.loc["辛公司", col("amount")] == 0
    assert at.selectbox(key="fair_fix_id").options == ["50"]
    at.selectbox(key="fair_fix_province").set_value("42")
    next(b for b in at.button if b.proto.form_id == "db_fair_province").click().run()
    assert not at.exception, at.exception
    fairs = _table(at, col("enterprise")).set_index(col("enterprise"))
    assert fairs.loc["辛公司", col("amount")] == int(p["recruitment_fair.per_enterprise"])
    assert fairs.loc["辛公司", col("province_name")] == "湖北"

    # a refused love post keeps what was typed; a saved one empties the form
    save_post = lambda: next(b for b in at.button if b.proto.form_id == "db_post").click().run()  # noqa: E731
    at.text_input(key="post_employer").input("庚公司")
    at.text_input(key="post_person").input("王五")
    at.text_input(key="post_id").input("513226199001011235")     # a wrong check character
    assert at.number_input(key="post_year").value is None and at.number_input(key="post_months").value is None
    at.number_input(key="post_year").set_value(this_year)
    at.number_input(key="post_months").set_value(6)
    save_post()
    assert at.error and at.text_input(key="post_employer").value == "庚公司"
    assert at.text_input(key="post_id").value == "513226199001011235" and at.number_input(key="post_months").value == 6
    at.text_input(key="post_id").input("")
    save_post()
    assert not at.error and at.text_input(key="post_employer").value == ""
    assert at.number_input(key="post_year").value is None and at.number_input(key="post_months").value is None

    # withdrawing a base: it leaves the table, stays in the database marked, and is audited
    base_id = int(bases[col("id")].iloc[0])
    at.selectbox(key="withdraw_base").set_value(base_id)
    next(b for b in at.button if b.label == t("db.events_page.withdraw") and "base" in str(b.proto.id)).click().run()
    assert not at.exception, at.exception
    assert len(events.bases_frame()) == 0
    assert [s.value for s in at.success] == [t("db.events_page.withdrawn", id=base_id)]
    from core.db import audit
    assert "event_withdraw" in set(audit.entries()["action"])


def test_admin_tables_have_headers_in_words_not_internal_names(sqlite_db):
    from core.db import uploads
    from core.i18n import t
    from pages._stored_tables import AUDIT_COLUMNS, TARGET_COLUMNS, UPLOAD_COLUMNS
    from tests.db_conftest_helpers import evaluate, person, roster_csv

    admin = user("admin")
    content = roster_csv([person(1), person(2)])
    uploads.store_upload(evaluate(content), admin, "a.csv", content)
    headers = lambda cols: [t(f"db.col.{c}") for c in cols if c != "demo"]  # noqa: E731

    at = page("admin_audit.py", admin).run()
    assert not at.exception, at.exception
    log, ups = (df.value for df in at.dataframe)
    assert list(log.columns) == headers(AUDIT_COLUMNS)
    assert list(ups.columns) == headers(UPLOAD_COLUMNS)
    assert ups[t("db.col.filename")].tolist() == ["a.csv"] and ups[t("db.col.rows")].tolist() == [2]
    assert t("db.audit_action.upload") in set(log[t("db.col.action")])

    at = page("admin_targets.py", admin).run()
    table = at.dataframe[0].value
    assert list(table.columns) == headers(TARGET_COLUMNS)
    assert table[t("db.col.district")].tolist()[0] == t("db.targets.city")
    # choosing a year shows what is stored for it, before anything is saved
    at.number_input(key="target_year").set_value(2018).run()
    assert at.text_input(key="target_total_2018_").value == "1784"
    at.number_input(key="target_year").set_value(2019).run()
    assert at.text_input(key="target_total_2019_").value == ""
    from core.db import targets
    targets.set_standard("love_post.monthly", 1800, admin)
    at = page("admin_targets.py", admin).run()
    assert "1800" in [w.value for w in at.text_input]           # not 1800.0


def test_a_change_is_confirmed_after_the_rerun_with_fresh_tables(sqlite_db):
    from core.i18n import t

    admin = user("admin")
    at = page("admin_users.py", admin).run()
    assert at.selectbox(key="au_role").value == "district_officer"     # the least power by default
    assert at.selectbox(key="au_district").value is None
    assert at.selectbox(key="au_district").proto.placeholder == t("db.admin.no_district")
    at.text_input(key="au_name").input("new_officer")
    at.text_input(key="au_pw1").input("password-123")
    at.text_input(key="au_pw2").input("password-123")
    at.button[0].click().run()                       # a district officer needs a district: refused,
    assert at.error and at.text_input(key="au_name").value == "new_officer"    # and nothing typed is lost
    at.selectbox(key="au_district").set_value("柯桥区")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [plain(t("db.cli.user_added", name="new_officer", role=t("db.role.district_officer")))]
    assert at.text_input(key="au_name").value == ""   # and the form is empty for the next one
    names = at.dataframe[0].value.iloc[:, 0].tolist()
    assert "new_officer" in names                     # the list above the form is already fresh
    at.run()
    assert not at.success                             # shown once


def test_dashboard_leaves_demo_rows_out_of_real_data_unless_asked(sqlite_db):
    """After `python -m core demo` next to real uploads, the stored view counts the real rows
    alone until the viewer asks for the demo rows too (then the demo banner says so)."""
    from core.db import uploads
    from core.db.cli import load_demo
    from tests.db_conftest_helpers import evaluate, person, roster_csv

    officer, leader = user("city_officer"), user("leader", name="boss")
    content = roster_csv([person(n) for n in range(1, 6)])
    uploads.store_upload(evaluate(content), officer, "a.csv", content)
    load_demo()
    rows = uploads.load_rows()
    real = rows[~rows["demo"].astype(bool)]
    note = lambda f: t("ui.dashboard.rows_note", valid=f"{int(f['valid'].sum()):,}",  # noqa: E731
                       errors=f"{int((~f['valid']).sum()):,}")
    at = page("dashboard.py", leader).run()
    assert not at.exception, at.exception
    assert at.toggle(key="dash_include_demo").value is False
    assert note(real) in [c.value for c in at.caption]
    assert t("ui.dashboard.stored_demo_banner") not in [w.value for w in at.warning]
    at.toggle(key="dash_include_demo").set_value(True).run()
    assert note(rows) in [c.value for c in at.caption]
    assert t("ui.dashboard.stored_demo_banner") in [w.value for w in at.warning]


def test_an_administrator_adds_a_helped_county_on_the_targets_page(sqlite_db):
    """The list of Sichuan helped counties is shown (built in and added); an addition is made
    without a code change, confirmed, audited, and counts from then on; a bad code is refused
    with one sentence and what was typed is kept."""
    from core import reference
    from core.db import audit
    from core.i18n import t

    admin = user("admin")
    at = page("admin_targets.py", admin).run()
    assert not at.exception, at.exception
    listed = next(df.value for df in at.dataframe if t("db.col.code") in df.value.columns)
    assert len(listed) == len(reference.helped_counties_file())
    add = lambda: next(b for b in at.button if b.proto.form_id == "db_county_add").click().run()  # noqa: E731
    at.text_input(key="county_code").input("52263")
    at.text_input(key="county_name").input("某县")
    add()
    assert [e.value for e in at.error] == [t("db.counties.bad_code", code="52263")]
    assert at.text_input(key="county_name").value == "某县"
    at.text_input(key="county_code").input("513437")
    at.text_input(key="county_name").input("雷波县")
    at.text_input(key="county_aliases").input("雷波；雷波县城")
    add()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [t("db.counties.added", code="513437", name="雷波县")]
    listed = next(df.value for df in at.dataframe if t("db.col.code") in df.value.columns).set_index(t("db.col.code"))
    assert listed.loc["513437", t("db.col.origin")] == t("db.counties.origin.admin")
    assert listed.loc["513437", t("db.col.aliases")] == "雷波;雷波县城"
    assert "513437" in set(reference.sichuan_helped_counties()["code"])
    assert len(audit.entries(action="county_add")) == 1
    next(b for b in at.button if b.proto.form_id == "db_county_remove").click().run()
    assert "513437" not in set(reference.sichuan_helped_counties()["code"])
