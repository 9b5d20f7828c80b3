"""Officers' pages in English name the districts in English (data/reference/districts.csv,
name_en): the own district's caption, the district choices, the person's record; the value chosen
and what is stored stay the Chinese name."""
from __future__ import annotations

import pytest

from core.db import accounts
from core.paths import ROOT
from tests.db_conftest_helpers import sqlite_db, user  # noqa: F401  (fixtures)
from tests.test_reconcile import stored

st_testing = pytest.importorskip("streamlit.testing.v1")


def english_page(name: str, who):
    at = st_testing.AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    accounts.session_login(at.session_state, who)
    at.session_state["lang"] = "en"
    at.run()
    at.switch_page(f"pages/{name}")
    at.session_state["lang"] = "en"
    return at.run()


def shown_words(at) -> str:
    return " ".join([c.value for c in at.caption] + [m.value for m in at.markdown])


@pytest.mark.parametrize("name", ["reconcile.py", "reports.py", "people.py", "work_ledger.py", "district.py"])
def test_a_district_officers_own_district_in_english(sqlite_db, name):
    stored(sqlite_db)
    ke = user("district_officer", "ke", "柯桥区")
    at = english_page(name, ke)
    assert not at.exception, at.exception
    words = shown_words(at)
    assert "Keqiao District" in words and "柯桥区" not in words


@pytest.mark.parametrize("name, key", [("reconcile.py", "reconcile_district"), ("reports.py", "report_district"),
                                       ("people.py", "people_district"), ("work_ledger.py", "ledger_district")])
def test_the_district_choices_in_english_choose_the_chinese_name(sqlite_db, name, key):
    stored(sqlite_db)
    city = user("city_officer", "city")
    at = english_page(name, city)
    assert not at.exception, at.exception
    box = at.selectbox(key=key)
    assert "Keqiao District" in box.options and not any("柯桥区" in o for o in box.options)
    box.set_value("柯桥区")
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key=key).value == "柯桥区"


def test_the_people_list_names_districts_in_english(sqlite_db):
    stored(sqlite_db)
    ke = user("district_officer", "ke", "柯桥区")
    at = english_page("people.py", ke)
    tables = [df.value for df in at.dataframe]
    cells = {str(v) for df in tables for v in df.to_numpy().ravel()}
    assert tables and "Keqiao District" in cells and "柯桥区" not in cells


def test_the_events_page_names_provinces_and_districts_in_english(sqlite_db):
    city = user("city_officer", "city")
    at = english_page("events.py", city)
    assert not at.exception, at.exception
    province = at.selectbox(key="fair_province")
    assert province.options == ["Jilin", "Hubei", "Sichuan", "Guizhou"]
    assert "Keqiao District" in at.selectbox(key="fair_district").options
    words = " ".join(w.value for w in at.warning)
    assert "Keqiao District" in words and "柯桥区" not in words       # the districts with no fair yet


def test_the_city_report_names_its_districts_in_english(sqlite_db):
    from core.i18n import t

    stored(sqlite_db)
    city = user("city_officer", "city")
    at = english_page("reports.py", city)
    at.button(key="make_report").click()
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    column = t("reports.report.col.district", "en")
    tables = [df.value for df in at.dataframe if column in df.value.columns]
    assert tables and "Keqiao District" in tables[0][column].tolist()
    assert not set(tables[0][column]) & {"柯桥区", "越城区"}
