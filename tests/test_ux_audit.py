"""What a first-time user meets on the pages (AppTest): the roster's error list keeps its row
numbers, a row whose error touches only some items is not shown as plain 通过 and is found by
"只看有错误的行"; the texts that point at a switch or a step name it as the page does."""
from __future__ import annotations

import pytest

from core.i18n import LANGUAGES, t
from tests.db_conftest_helpers import person, roster_csv, sqlite_db, user  # noqa: F401  (sqlite_db: a fixture)
from tests.test_app_pages import as_user, open_page, ui, upload  # noqa: F401  (as_user: a fixture)


def _error_tables(at):
    return [tb for tb in at.table if tb.value.index.name == ui("table.row")]


def _result_table(at):
    for frame in at.dataframe:
        if ui("table.valid") in frame.value.columns:
            return frame.value
    raise AssertionError("no result table")


def test_error_list_shows_row_numbers_when_the_bad_rows_follow_each_other(as_user):
    """Rows 3 and 4 of the file are wrong: their numbers 3, 4 make a range, which Streamlit would
    take for a row counter and hide; the officer must still see which lines to fix."""
    as_user("city_officer")
    at = open_page("pages/roster.py")
    upload(at, "r.csv", roster_csv([person(1), person(2, 身份证号="123"), person(3, 姓名="")]))
    assert not at.exception
    [table] = _error_tables(at)
    assert table.value.index.tolist() == [3, 4]
    assert table.proto.hide_index is False


def test_a_row_with_an_item_error_is_marked_and_kept_by_the_errors_filter(as_user):
    as_user("city_officer")
    at = open_page("pages/roster.py")
    upload(at, "r.csv", roster_csv([person(1), person(2, 社保缴纳月数="abc"), person(3, 身份证号="123")]))
    assert not at.exception
    shown = _result_table(at)
    assert shown[ui("table.valid")].tolist() == [ui("table.ok"), ui("table.item_error"), ui("table.error")]
    # the whole-row count says what it counts; the error list has both rows
    assert ui("roster.errors") in {m.label for m in at.metric}
    assert {m.label: m.value for m in at.metric}[ui("roster.errors")] == "1"
    [errors] = _error_tables(at)
    assert errors.value.index.tolist() == [3, 4]
    at.toggle(key="errors_only").set_value(True).run()
    assert _result_table(at)[ui("table.valid")].tolist() == [ui("table.item_error"), ui("table.error")]


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_demo_notes_name_the_switch_as_the_page_shows_it(lang):
    """The dashboard's and the district page's notes tell the user to switch on the demo data:
    by the switch's own label, and without a command line only an administrator would know."""
    switch = t("ui.dashboard.include_demo", lang)
    assert switch in t("officer.demo.excluded", lang, rows="300")
    assert switch in t("officer.demo.only_demo", lang)
    assert "python" not in t("officer.demo.include_help", lang)


def test_the_level_note_of_the_self_check_reads_as_one_clear_sentence():
    """Which levels the notice lists, then what the tool does with the two it does not list."""
    listed, rest = t("person.reading.levels", "zh").split("；")
    assert all(level in listed for level in ("初级工", "中级工", "高级工")) and "技师" not in listed
    assert "技师、高级技师" in rest and "0元" in rest


def test_a_district_officers_report_says_report_not_comparison(sqlite_db):  # noqa: F811
    """统计报表 names the district the report is for; 比对范围 is the reconciliation page's word."""
    from core.db import accounts
    from core.paths import ROOT
    from streamlit.testing.v1 import AppTest

    ke = user("district_officer", "ke", "柯桥区")
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    accounts.session_login(at.session_state, ke)
    at = at.run().switch_page("pages/reports.py").run()
    captions = [c.value for c in at.caption]
    assert t("reports.page.report_district", district="柯桥区") in captions
    assert t("reports.page.own_district", district="柯桥区") not in captions
    assert "比对" not in t("reports.page.report_district", "zh", district="柯桥区")


def test_the_login_page_sends_a_worker_to_the_self_check_by_its_name(sqlite_db):  # noqa: F811
    """A worker who lands on 登录 reads the self-check's own name (政策自测, not another word for
    it) and gets a link to it: on a phone the menu is folded away."""
    from core.paths import ROOT
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    at = at.switch_page("pages/login.py").run()
    assert not at.exception
    name = ui("nav.self_check")
    assert any(name in c.value for c in at.caption)
    links = at.get("page_link")
    assert [(link.proto.label, link.proto.page.endswith("self_check")) for link in links] == [(name, True)]


def test_the_report_says_by_which_month_people_and_money_are_counted(sqlite_db):  # noqa: F811
    """New hires count by the month of first employment, money by the month a roster was saved or
    paid: a 2018 report can show hires and no money. The page says so under the money table."""
    from core.db import accounts
    from core.paths import ROOT
    from streamlit.testing.v1 import AppTest
    from tests.test_report import fixture_data

    fixture_data(user("admin"))
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    accounts.session_login(at.session_state, user("leader", "boss"))
    at = at.run().switch_page("pages/reports.py").run()
    note = t("reports.page.items_note")
    assert note not in [c.value for c in at.caption]
    at.number_input(key="report_year").set_value(2018)
    at.button(key="make_report").click().run()
    assert not at.exception
    assert [c.value for c in at.caption].count(note) == 1


def test_the_result_tables_amounts_have_thousands_separators_like_the_totals(as_user):
    """The totals above read 13,500 元; the rows' amounts are shown with separators too (10,500,
    not 10500), the numbers themselves unchanged for sorting and the table's download."""
    import json

    from core.items import ITEMS
    from pages._common import item_title

    as_user("city_officer")
    at = open_page("pages/roster.py")
    upload(at, "r.csv", roster_csv([person(1), person(2)]))
    frame = next(f for f in at.dataframe if ui("table.valid") in f.value.columns)
    config = json.loads(frame.proto.columns)
    amounts = [ui("table.total_to_worker"), ui("table.total_payable_to_worker")] + [item_title(i) for i in ITEMS]
    shown = [c for c in amounts if c in frame.value.columns]
    assert len(shown) >= 3
    assert {c: config.get(c, {}).get("type_config", {}).get("format") for c in shown} == dict.fromkeys(shown, "localized")
    assert frame.value[ui("table.total_to_worker")].dtype.kind == "i"


def test_a_persons_upload_time_reads_the_same_in_the_search_and_the_roster_rows(sqlite_db):  # noqa: F811
    """人员跟踪 showed one upload as 02:30:45 in the search and 02:30:00 in 花名册记录 (本区进度
    shows 02:30): every time to the minute, as text."""
    import re

    from core.db import accounts, people, uploads
    from core.paths import ROOT
    from streamlit.testing.v1 import AppTest
    from tests.db_conftest_helpers import evaluate

    city = user("city_officer")
    content = roster_csv([person(21, 姓名="张三")])
    uploads.store_upload(evaluate(content), city, "a.csv", content)
    at = AppTest.from_file(str(ROOT / "pages" / "people.py"), default_timeout=60)
    accounts.session_login(at.session_state, city)
    at.run()
    at.text_input(key="people_query").input("张三")
    at.button[0].click().run()
    key = people.find_people(city, "张三")["person_key"].iloc[0]
    at.selectbox(key="people_pick_found").select(key).run()
    assert not at.exception
    found = next(f.value for f in at.dataframe if t("people.col.last_upload") in f.value.columns)
    rows = next(f.value for f in at.dataframe if t("people.col.uploaded_at") in f.value.columns)
    last, stored = found[t("people.col.last_upload")].iloc[0], rows[t("people.col.uploaded_at")].iloc[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", str(last)) and last == stored


def test_the_roster_intro_speaks_of_the_sign_in_not_a_session():
    """会话 is a programmer's word; the officer knows the sign-in, and the button by its label."""
    intro = t("ui.roster.intro", "zh")
    assert "会话" not in intro and "登录" in intro and f"“{t('ui.roster.store', 'zh')}”" in intro
    assert "session" not in t("ui.roster.intro", "en") and t("ui.roster.store", "en") in t("ui.roster.intro", "en")


def test_the_district_total_has_a_label_that_fits_and_says_the_rest_in_its_help(sqlite_db):  # noqa: F811
    """本区合计（中西部建档立卡） was cut to 本区合计（中西部建档… in four columns at 1280 px: the
    label is short like the dashboard's 全市合计, what it counts is in its help."""
    from core.db import accounts, uploads
    from core.paths import ROOT
    from streamlit.testing.v1 import AppTest
    from tests.db_conftest_helpers import evaluate

    kq = user("district_officer", name="kq", district="柯桥区")
    content = roster_csv([person(1), person(2)])
    uploads.store_upload(evaluate(content), kq, "mine.csv", content)
    at = AppTest.from_file(str(ROOT / "pages" / "district.py"), default_timeout=60)
    accounts.session_login(at.session_state, kq)
    at.run()
    assert not at.exception
    total = next(m for m in at.metric if m.label == t("officer.district_progress.total"))
    assert total.proto.help == t("officer.district_progress.total_help")
    assert len(total.label) <= len(t("ui.chart.measure_short.other_central_western"))
    assert "建档立卡" in total.proto.help


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_the_self_check_names_a_wrong_answer_by_its_question_not_the_roster_column(lang):
    """A worker who typed 80 months of continuous work read 您填写的“连续工作月数”…: the roster's
    column, which the form never shows (in English too, in Chinese). The officer's texts keep it."""
    import datetime as dt

    from core.engine import evaluate_file
    from core.person import Person, estimate

    worker = Person(registered_poor=True, home_province="贵州省", first_employment_date=dt.date(2020, 11, 3),
                    work_district="诸暨市", continuous_months=80)
    [card] = [i for i in estimate(worker, as_of=dt.date(2021, 6, 1), lang=lang).items if i.code == "family_visit"]
    assert card.status == "error"
    [text] = card.errors
    assert "连续工作月数" not in text and t("person.field.continuous_months", lang) in text and "80" in text
    roster = roster_csv([person(1, 首次来绍就业日期="2020-11-03", 连续工作月数="80")])
    officer = evaluate_file(roster, "r.csv", as_of=dt.date(2021, 6, 1), lang=lang).frame
    assert "连续工作月数" in str(officer["errors"].iloc[0])      # the officer reads the roster's column
