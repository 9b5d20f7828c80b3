"""The pages 与省名单比对 and 统计报表与工作通报 (Streamlit AppTest): each role sees what it may, a
district officer only its district, and every run is audited."""
from __future__ import annotations

import pytest

from core.db import accounts, audit
from core.i18n import t
from core.paths import ROOT
from pages import _registry
from tests.db_conftest_helpers import sqlite_db, user  # noqa: F401  (fixtures)
from tests.test_reconcile import gbk_csv, province_rows, stored
from tests.test_report import fixture_data

st_testing = pytest.importorskip("streamlit.testing.v1")


def page(name: str, who=None):
    """The page opened through the app (streamlit_app.py is the script: the reading process that
    multiprocessing starts runs it again as ``__mp_main__``, as under ``streamlit run``)."""
    at = st_testing.AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    if who is not None:
        accounts.session_login(at.session_state, who)
    return at.run().switch_page(f"pages/{name}").run()


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def r(key: str, **fmt) -> str:
    return t(f"reports.{key}", **fmt)


def test_menu_by_role():
    def paths(role, district=None):
        from types import SimpleNamespace

        return {s.path for s in _registry.visible_pages(SimpleNamespace(name="x", role=role, district=district), True)}
    for role in ("admin", "city_officer", "district_officer"):
        assert {"pages/reconcile.py", "pages/reports.py"} <= paths(role, "柯桥区" if role == "district_officer" else None)
    assert "pages/reports.py" in paths("leader") and "pages/reconcile.py" not in paths("leader")


def test_reconcile_page_for_a_district_officer(sqlite_db):
    stored(sqlite_db)
    ke = user("district_officer", "ke", "柯桥区")
    at = page("reconcile.py", ke)
    assert not at.exception
    assert not at.selectbox                                # no choice of district: its own
    assert r("page.own_district", district="柯桥区") in [c.value for c in at.caption]
    at.file_uploader(key="province_file").set_value(("省名单.csv", gbk_csv(province_rows()), "text/csv"))
    at.run()
    assert not at.exception and not at.error
    got = metrics(at)
    assert got == {r("reconcile.summary.matched"): "2", r("reconcile.summary.differs"): "2",
                   r("reconcile.summary.only_province"): "1", r("reconcile.summary.only_local"): "2",
                   r("reconcile.summary.unmatched"): "3"}
    tables = [df.value for df in at.dataframe]
    reasons = [v for df in tables for v in df.get(r("reconcile.col.reason"), [])]
    assert t("reports.reconcile.reason.only_local") in reasons
    assert any("张三" in v and "测试2" in v for v in reasons)
    assert not any("513226" in str(v) for df in tables for v in df.to_numpy().ravel())   # masked only
    assert [d.label for d in at.get("download_button")] == [r("page.download_xlsx")]
    at.run()                                               # a rerun does not compare (nor audit) again
    log = audit.entries()
    assert list(log.loc[log["action"] == "reconcile", "actor"]) == ["ke"]


def test_reconcile_page_leaves_demo_people_out_unless_switched_on(sqlite_db):
    from core.db.uploads import store_upload
    from tests.db_conftest_helpers import evaluate, person, roster_csv

    officer = stored(sqlite_db)
    demo = roster_csv([person(n) for n in (50, 51, 52)])
    store_upload(evaluate(demo), officer, "demo.csv", demo, demo=True)
    ke = user("district_officer", "ke", "柯桥区")
    at = page("reconcile.py", ke)
    switch = at.toggle(key="reconcile_include_demo")
    assert switch.label == t("ui.dashboard.include_demo") and switch.value is False
    at.file_uploader(key="province_file").set_value(("省名单.csv", gbk_csv(province_rows()), "text/csv"))
    at.run()
    assert not at.exception and metrics(at)[r("reconcile.summary.only_local")] == "2"
    at.toggle(key="reconcile_include_demo").set_value(True).run()
    assert not at.exception and metrics(at)[r("reconcile.summary.only_local")] == "5"


def test_reconcile_page_refuses_leaders_and_visitors_and_says_why_a_file_is_bad(sqlite_db):
    boss = user("leader", "boss")
    at = page("reconcile.py", boss)
    assert [e.value for e in at.error] == [t("ui.common.forbidden")] and not at.get("file_uploader")
    at = page("reconcile.py")
    assert [w.value for w in at.warning] == [t("ui.common.login_required")]
    city = user("city_officer", "city")
    at = page("reconcile.py", city)
    assert at.selectbox(key="reconcile_district").options[0] == r("page.whole_city")
    at.file_uploader(key="province_file").set_value(("x.csv", "姓名,身份证号\n张三,1\n".encode("gbk"), "text/csv"))
    at.run()
    assert not at.exception and len(at.error) == 1 and "户籍省份" in at.error[0].value
    assert not at.metric


def test_reports_page_by_role(sqlite_db):
    admin = user("admin")
    fixture_data(admin)
    ke = user("district_officer", "ke", "柯桥区")
    boss = user("leader", "boss")

    at = page("reports.py", ke)
    assert not at.exception and not at.selectbox(key="report_month").value is None
    assert not [s for s in at.selectbox if s.key == "report_district"]
    at.number_input(key="report_year").set_value(2018)
    at.selectbox(key="report_month").set_value(6)
    at.button(key="make_report").click().run()
    assert not at.exception
    assert at.subheader[0].value == r("page.report_for", unit="柯桥区", year=2018, month=6)
    hires = at.dataframe[0].value
    assert hires[r("report.col.year_to_date")].tolist()[0] == 3
    items = at.dataframe[1].value.set_index(r("report.col.item"))     # no local standard: 未配置, as the roster says
    assert list(items.loc[t("rules.item_title.employer_social_insurance")]) == [t("ui.common.not_set")] * 4
    assert not [b for b in at.button if b.key == "make_bulletin"]      # the bulletin is the city's

    at = page("reports.py", boss)
    at.number_input(key="report_year").set_value(2018)
    at.selectbox(key="report_month").set_value(6)
    at.button(key="make_report").click().run()
    assert at.subheader[0].value == r("page.report_for", unit=r("report.city"), year=2018, month=6)
    assert len(at.dataframe) == 5                          # and the districts' table
    at.button(key="make_bulletin").click().run()
    assert not at.exception
    labels = [d.label for d in at.get("download_button")]
    assert r("page.download_bulletin") in labels and r("page.download_report_xlsx") in labels
    log = audit.entries()
    assert list(log.loc[log["action"].isin(["report", "bulletin"]), "actor"]) == ["boss", "boss", "ke"]

    at = page("reports.py")
    assert [w.value for w in at.warning] == [t("ui.common.login_required")]
