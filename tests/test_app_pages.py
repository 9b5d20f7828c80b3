"""Every page through streamlit.testing.v1.AppTest: form inputs -> cards and amounts; roster
uploads (GBK CSV, xlsx, broken files) -> figures or a clear error; the dashboard on demo data."""
from __future__ import annotations

import datetime as dt
import io
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import xlsxwriter
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core import reference  # noqa: E402
from core.demo import demo_result  # noqa: E402
from core.engine import evaluate_file  # noqa: E402
from core.i18n import t  # noqa: E402
from core.items import ITEMS  # noqa: E402
from core.person import estimate  # noqa: E402
from core.progress import progress  # noqa: E402
from core.reader import RosterReadError, read_roster  # noqa: E402
from core.synthetic import synthetic_roster  # noqa: E402
from pages import _common, _date_choice, _registry, _roster_tables, _self_check_form  # noqa: E402

APP = str(ROOT / "streamlit_app.py")


def ui(key, **fmt):
    return t(f"ui.{key}", **fmt)


@pytest.fixture
def as_user(monkeypatch, tmp_path):
    """Sign a user in for AppTest (accounts on, an empty database of its own), or None for a
    public visitor."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SHAOXING_DB_PATH", str(tmp_path / "app.db"))
    monkeypatch.setenv("SHAOXING_ID_KEY_FILE", str(tmp_path / "id.key"))

    def sign_in(role: str | None, district: str | None = None):
        user = None if role is None else SimpleNamespace(name=f"test_{role}", role=role, district=district)
        monkeypatch.setattr(_common, "accounts_enabled", lambda: True)
        monkeypatch.setattr(_common, "current_user", lambda: user)
        return user
    return sign_in


def open_page(page: str | None = None, timeout: float = 60) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=timeout).run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [m.value for m in at.caption]
    parts += [a.value for a in (*at.warning, *at.info, *at.error, *at.success)]
    return "\n".join(str(p) for p in parts)


# ---------------------------------------------------------------------------------------------
# navigation

def test_public_users_see_only_the_self_check_and_login(as_user):
    as_user(None)
    at = open_page()
    assert at.title[0].value == ui("self_check.title")
    assert [s.path for s in _registry.visible_pages(None, True)] == ["pages/self_check.py", "pages/login.py"]


def test_a_bookmarked_officer_page_asks_a_visitor_to_sign_in(as_user):
    """Every page is registered (hidden from the menu when not allowed), so a visitor who opens
    /roster gets the roster page's own answer: sign in first, with the way to the login page; not
    the self-check in its place, and nothing of the roster."""
    as_user(None)
    at = open_page("pages/roster.py")
    assert [w.value for w in at.warning] == [ui("common.login_required")]
    assert not at.title and not at.get("file_uploader")
    assert at.session_state[_common.AFTER_LOGIN] == "pages/roster.py"
    assert [link.proto.page for link in at.get("page_link")] == ["login"]   # the login page's URL path


def test_role_decides_what_a_page_allows(as_user):
    as_user("leader")
    at = open_page("pages/roster.py")     # not in a leader's menu, and refused on the page
    assert [e.value for e in at.error] == [ui("common.forbidden")]
    assert not at.get("file_uploader")
    at.switch_page("pages/dashboard.py").run()
    assert at.title[0].value == ui("dashboard.title")


# ---------------------------------------------------------------------------------------------
# self-check

NUMBERS = ("sc_si", "sc_continuous", "sc_cost", "sc_rent")     # numbers typed as text (pages/self_check.py)


DATES = ("sc_first_date", "sc_cert_date")   # asked as 年 / 月 / 日 choices (pages/_date_choice.py)


def fill(at, **answers):
    for key, value in answers.items():
        if key in DATES:
            parts = (value.year, value.month, value.day) if isinstance(value, dt.date) else value
            for part, chosen in zip(("year", "month", "day"), parts):
                at.selectbox(key=f"{key}.{part}").set_value(chosen)
                at.run()
            continue
        widget = at.get("radio") + at.get("selectbox") + at.get("text_input") + at.get("number_input") + at.get("date_input")
        match = [w for w in widget if w.key == key]
        assert match, key
        match[0].set_value(f"{value:g}" if key in NUMBERS and isinstance(value, (int, float)) else value)
        at.run()
    return at


FULL = dict(sc_poor="yes", sc_province="四川省", sc_county="金川县", sc_first_date=dt.date(2018, 3, 1),
            sc_district="柯桥区", sc_si=12, sc_continuous=13, sc_cert="中级工")
AFTER_CERT = dict(sc_cert_date=dt.date(2018, 6, 1), sc_rent=10)


def cards(at) -> dict[str, str]:
    """Each result card's text, by item code (containers keyed card_<item>)."""
    out = {}

    def walk(node):
        key = getattr(node, "key", None) or ""
        proto_id = getattr(getattr(node, "proto", None), "id", "") or ""
        name = key or proto_id
        for code in ITEMS:
            if name.endswith(f"card_{code}"):
                out[code] = "\n".join(str(getattr(el, "value", "")) for el in _leaves(node))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def _leaves(node):
    children = getattr(node, "children", None)
    if not children:
        yield node
        return
    for child in children.values():
        yield from _leaves(child)


def test_self_check_with_nothing_answered_says_information_missing():
    at = open_page()
    at.button(key="sc_submit").click().run()
    found = cards(at)
    assert set(found) == set(ITEMS)
    for code, text in found.items():
        assert ui("self_check.badge.unknown") in text, code
    # not "0 元" while every item is still pending: the total says so, from the same items
    assert at.metric[0].value == ui("self_check.total_pending")
    assert ui("self_check.total_pending_open") in [c.value for c in at.caption]


def test_self_check_answers_give_the_engines_cards_and_amounts():
    at = open_page()
    fill(at, **FULL)
    fill(at, **AFTER_CERT)
    at.button(key="sc_submit").click().run()
    assert not at.exception
    person = _self_check_form.person_from_answers({
        "registered_poor": "yes", "home_province": "四川省", "home_county": "金川县",
        "first_employment_date": dt.date(2018, 3, 1), "work_district": "柯桥区",
        "social_insurance_months": 12, "continuous_months": 13, "certificate_level": "中级工",
        "certificate_date": dt.date(2018, 6, 1), "self_rented_months": 10})
    expected = estimate(person)
    found = cards(at)
    for item in expected.items:
        words = {"eligible": ("eligible", "eligible_closed"), "not_eligible": ("not_eligible", "not_eligible_final"),
                 "unknown": ("unknown",)}[item.status]
        assert any(ui(f"self_check.badge.{w}") in found[item.code] for w in words), item.code
        assert _self_check_form.card_amount(item) in found[item.code], item.code
        assert f"第{item.clause}条" not in found[item.code]
        assert ui("self_check.clause", clause=_self_check_form.clause_words(item.clause)) in found[item.code]
    pol = reference.policy()
    assert _common.money(pol["stabilization.amount"]) in found["stabilization"]
    assert _common.money(pol["rent.monthly"] * 10) in found["rent"]
    assert at.metric[0].value == _common.money(expected.total_to_worker)
    assert expected.total_to_worker == sum(i.amount for i in expected.items if i.payee == "worker")
    body = texts(at)
    for line in expected.cannot_check:
        assert line in body


def test_self_check_claim_window_closed_and_open():
    deadline = reference.policy()["claim_deadline"]
    at = open_page()
    before = ui("self_check.closed_before", date=_self_check_form.format_day(deadline))
    assert [w.value for w in at.warning] == [before]      # said before the questions (today is after 2021-12-31)
    at.button(key="sc_submit").click().run()
    closed = ui("self_check.deadline_closed", date=_self_check_form.format_day(deadline))
    assert [w.value for w in at.warning] == [before, closed]
    at.session_state["as_of"] = dt.date(2019, 6, 1)
    at.run()
    assert not at.warning
    assert ui("self_check.deadline_open", date=_self_check_form.format_day(deadline)) in [i.value for i in at.info]


def test_self_check_not_registered_poor_is_not_covered():
    at = open_page()
    fill(at, sc_poor="no")
    at.button(key="sc_submit").click().run()
    assert ui("self_check.covered.not_eligible") in texts(at)
    assert not at.metric and not cards(at)        # one explanation, not a card per item saying the same


COVERED_2_MONTHS = dict(sc_poor="yes", sc_province="四川省", sc_first_date=dt.date(2018, 3, 1), sc_district="柯桥区",
                        sc_has_employer="yes", sc_si=2, sc_continuous=13, sc_organized="no", sc_cert=_self_check_form.NO_CERTIFICATE,
                        sc_rent=0)


def test_self_check_after_the_deadline_offers_no_step_and_says_would_have():
    """Today is after the claim deadline: no "再缴纳1个月社保即可享受…" (it cannot pay any more), and the
    amounts are what the policy would have given. With claims open, the step is offered."""
    at = open_page()
    fill(at, **COVERED_2_MONTHS)
    at.button(key="sc_submit").click().run()
    found = cards(at)
    step = t("rules.next.stabilization", n=1, amount=reference.policy()["stabilization.amount"])
    assert not any(ui("self_check.next_step") in text for text in found.values())
    assert step not in texts(at)
    assert at.metric[0].label == ui("self_check.total_closed")
    assert ui("self_check.badge.eligible_closed") in found["family_visit"]
    assert ui("self_check.badge.not_eligible_final") in found["stabilization"]
    assert ui("self_check.badge.not_eligible") not in found["stabilization"]

    at.session_state["as_of"] = dt.date(2019, 6, 1)       # claims open
    at.run()
    found = cards(at)
    assert step in found["stabilization"]
    assert ui("self_check.badge.not_eligible") in found["stabilization"]
    assert at.metric[0].label == ui("self_check.total")
    assert ui("self_check.badge.eligible") in found["family_visit"]
    assert ui("self_check.badge.eligible_closed") not in found["family_visit"]


def test_self_check_total_says_pending_when_only_registered_poor_is_unknown():
    at = open_page()
    fill(at, **{**FULL, "sc_poor": "unknown"})
    fill(at, **AFTER_CERT)
    at.button(key="sc_submit").click().run()
    pol = reference.policy()
    most = (pol["stabilization.amount"] + pol["family_visit.amount"] + pol["skill_training.amount_intermediate"]
            + 10 * pol["rent.monthly"])
    assert at.metric[0].value == ui("self_check.total_pending")
    assert ui("self_check.total_pending_max", amount=_common.money(most)) in [c.value for c in at.caption]
    # a known part and a pending part: both said
    at = open_page()
    fill(at, **FULL)
    at.button(key="sc_submit").click().run()                 # certificate date and rent not answered
    expected = pol["stabilization.amount"] + pol["family_visit.amount"]
    assert at.metric[0].value == ui("self_check.total_known", amount=_common.money(expected))
    assert ui("self_check.total_pending_open") in [c.value for c in at.caption]


@pytest.mark.parametrize("answers", [
    dict(sc_province="浙江省"), dict(sc_first_date=(_date_choice.EARLIER,)), dict(sc_poor="no"),
], ids=["zhejiang", "came_before_2018", "not_registered_poor"])
def test_self_check_not_covered_is_final_and_asks_nothing_more(answers):
    at = open_page()
    fill(at, **answers)
    at.button(key="sc_submit").click().run()
    at.session_state["as_of"] = dt.date(2019, 6, 1)        # even while claims are open
    at.run()
    body = texts(at)
    assert ui("self_check.missing") not in body
    assert ui("self_check.coverage_badge.not_eligible") in body
    assert ui("self_check.covered.not_eligible") in body and "人力社保部门" in body
    assert ui("self_check.deadline_closed", date=_self_check_form.format_day(reference.policy()["claim_deadline"])) \
        not in body and ui("self_check.deadline_open", date=_self_check_form.format_day(
            reference.policy()["claim_deadline"])) not in body       # the deadline does not matter to them
    assert ui("self_check.where_to_go") in body and "12333" in body    # where to go, once
    assert body.count("12333") == 1
    assert cards(at) == {} and not at.metric     # not six cards saying the same "不符合"


def test_self_check_skill_cap_is_said_on_the_card():
    at = open_page()
    fill(at, **{**FULL, "sc_cert": "初级工"})
    fill(at, sc_cert_date=dt.date(2018, 6, 1), sc_cost=1500.0, sc_rent=10)
    at.button(key="sc_submit").click().run()
    card = cards(at)["skill_training"]
    assert _common.money(1000) in card
    assert t("rules.note.skill_capped", cost="1500", cap=1000) in card
    fill(at, sc_cost=0.0)
    card = cards(at)["skill_training"]
    assert t("rules.cond.junior_cost_paid.fail", cost="0") in card
    assert ui("self_check.badge.eligible_closed") not in card and ui("self_check.badge.eligible") not in card


def test_self_check_speaks_to_the_worker_not_the_office():
    at = open_page()
    fill(at, sc_poor="yes", sc_province="四川省", sc_first_date=dt.date(2018, 3, 1), sc_district="柯桥区",
         sc_has_employer="no")
    at.button(key="sc_submit").click().run()
    body = texts(at) + "\n".join(cards(at).values())
    for jargon in ("未填写用人单位", "市场主体", "本地标准未配置", "政策对象 可享受"):
        assert jargon not in body, jargon
    assert t("rules.worker.cond.employer_named.fail") in cards(at)["employer_social_insurance"]
    assert t("rules.worker.cond.organizer_named.unknown") in cards(at)["organizer_service"]
    coverage = next(m.value for m in at.markdown if ui("self_check.coverage_title") in m.value)
    assert ui("self_check.coverage_badge.eligible") in coverage and ui("self_check.badge.eligible") not in coverage
    fill(at, sc_has_employer="yes")
    card = cards(at)["employer_social_insurance"]
    assert t("rules.worker.note.employer_no_standard") in card and ui("self_check.amount_local") in card


# ---------------------------------------------------------------------------------------------
# roster

def roster_csv(n=40, seed=11, encoding="gbk") -> bytes:
    return synthetic_roster(n, seed=seed, error_rate=0.1).to_csv(index=False).encode(encoding)


def roster_xlsx(n=40, seed=12) -> bytes:
    frame = synthetic_roster(n, seed=seed, error_rate=0.1).fillna("")
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("名单")
    sheet.write_row(0, 0, list(frame.columns))
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        sheet.write_row(i, 0, list(row))
    book.close()
    return buf.getvalue()


def table_with(at, column: str):
    """The first st.dataframe on screen that has this column (AppTest keeps no dataframe keys)."""
    for frame in at.dataframe:
        value = frame.value
        if column in value.columns:
            return value
    raise AssertionError(f"no table with column {column}")


def _error_table(at):
    """The error list: row number and the reasons (a wrapping table while short, else a grid)."""
    for table in at.table:
        value = table.value
        if value.index.name == ui("table.row") and list(value.columns)[-1:] == [ui("table.errors")]:
            return value.reset_index()
    for frame in at.dataframe:
        value = frame.value
        if list(value.columns)[:1] == [ui("table.row")] and list(value.columns)[-1:] == [ui("table.errors")]:
            return value
    raise AssertionError("no error table")


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def before_deadline(at, day=dt.date(2021, 6, 30)) -> AppTest:
    """The officer chooses a day of the check before the claim deadline (2021-12-31)."""
    at.date_input(key="as_of").set_value(day)
    return at.run()


def upload(at, name: str, data: bytes, key="roster_file") -> AppTest:
    at.file_uploader(key=key).set_value((name, data, "application/octet-stream"))
    return at.run()


@pytest.mark.parametrize("name,data", [("名单.csv", roster_csv()), ("名单.xlsx", roster_xlsx())],
                         ids=["gbk_csv", "xlsx"])
def test_roster_upload_shows_the_engines_figures(as_user, name, data):
    as_user("city_officer")
    at = open_page("pages/roster.py")
    upload(at, name, data)
    assert not at.exception and not at.error
    expected = evaluate_file(data, name).summary
    m = metrics(at)
    assert m[ui("roster.rows")] == f"{expected['rows']:,}"
    assert m[ui("roster.valid")] == f"{expected['valid']:,}"
    assert m[ui("roster.errors")] == f"{expected['errors']:,}"
    assert m[ui("roster.total")] == _common.money(expected["total_to_worker"])
    amounts = table_with(at, ui("summary.item"))
    shown = dict(zip(amounts.iloc[:, 0], amounts.iloc[:, 1]))
    for item, value in expected["amounts"].items():
        if item == "employer_social_insurance":     # no local standard: said, no amount
            assert shown[ui(f"items.{item}")] == ui("common.not_set")
            assert ui("summary.no_standard_note") in [c.value for c in at.caption]
        else:
            assert shown[ui(f"items.{item}")] == f"{value:,}"
    table = table_with(at, ui("table.valid"))
    id_header = next(c.header for c in reference.columns() if c.field == "id_number")
    name_header = next(c.header for c in reference.columns() if c.field == "name")
    assert list(table.columns[:7]) == [ui("table.valid"), name_header, id_header, ui("table.total_to_worker"),
                                       ui("table.errors"), ui("table.reason"), ui("table.warnings")]
    assert table[ui("table.reason")].tolist() == evaluate_file(data, name).frame["reason"].tolist()
    assert len(table) == expected["rows"]
    id_header = next(c.header for c in reference.columns() if c.field == "id_number")
    assert table[id_header].str.contains(r"^\d{6}\*{8}", regex=True).any()
    errors = _error_table(at)
    assert len(errors) == expected["errors"]
    assert {b.key for b in at.get("download_button")} >= {"download_xlsx", "download_csv", "template_xlsx"}


def test_roster_filter_search_and_parse_once(as_user):
    as_user("city_officer")
    data = roster_csv(60, seed=21)
    at = open_page("pages/roster.py")
    upload(at, "r.csv", data)
    loaded = at.session_state["roster_loaded"][1]
    at.toggle(key="errors_only").set_value(True).run()
    assert len(table_with(at, ui("table.valid"))) == loaded.result.summary["errors"]
    at.toggle(key="errors_only").set_value(False).run()
    name = str(loaded.result.frame.loc[loaded.result.frame["valid"], "name"].iloc[0])
    at.text_input(key="roster_search").set_value(name).run()
    shown = table_with(at, ui("table.valid"))
    assert len(shown) >= 1 and set(shown[next(c.header for c in reference.columns() if c.field == "name")]) == {name}
    assert at.session_state["roster_loaded"][1] is loaded     # same file: not read again


@pytest.mark.parametrize("name,data", [
    ("empty.csv", b""),
    ("broken.xlsx", b"PK\x03\x04 this is not a workbook"),
    ("noheader.csv", "甲,乙,丙\n1,2,3\n".encode("gbk")),
], ids=["empty", "broken_xlsx", "no_header"])
def test_roster_unreadable_files_get_one_clear_sentence(as_user, name, data):
    as_user("city_officer")
    at = open_page("pages/roster.py")
    upload(at, name, data)
    assert not at.exception
    with pytest.raises(RosterReadError) as err:
        read_roster(data, name)
    assert [e.value for e in at.error] == [ui("roster.read_error", reason=_common.plain(str(err.value)))]
    assert not at.metric


def test_district_officer_sees_other_districts_as_errors(as_user):
    as_user("district_officer", "柯桥区")
    data = roster_csv(60, seed=31)
    at = open_page("pages/roster.py")
    upload(at, "r.csv", data)
    expected = evaluate_file(data, "r.csv", only_district="柯桥区").summary
    assert metrics(at)[ui("roster.valid")] == f"{expected['valid']:,}"
    assert expected["valid"] < evaluate_file(data, "r.csv").summary["valid"]


def test_leader_cannot_open_the_roster_page_directly(as_user):
    as_user("leader")
    at = AppTest.from_file(str(ROOT / "pages" / "roster.py"), default_timeout=30).run()
    assert [e.value for e in at.error] == [ui("common.forbidden")]
    assert not at.get("file_uploader")


# ---------------------------------------------------------------------------------------------
# dashboard

def chart_specs(at) -> list[str]:
    return [json.dumps(json.loads(el.proto.spec), ensure_ascii=False) for el in at.get("vega_lite_chart")]


def test_dashboard_on_demo_data_is_labelled_and_counts_right(as_user):
    as_user("leader")
    at = open_page("pages/dashboard.py")
    specs = chart_specs(at)
    assert len(specs) == 5
    assert all(ui("chart.demo") in s for s in specs)
    year = at.selectbox(key="dash_year").value
    assert year == reference.policy().start.year
    expected = progress(demo_result().frame, year)
    m = metrics(at)
    assert m[ui("chart.measure_short.total")] == ui("dashboard.people", n=f"{expected['city']['total']:,}")
    assert m[ui("chart.measure_short.sichuan_helped")] == ui("dashboard.people", n=f"{expected['city']['sichuan_helped']:,}")
    assert [e.value for e in at.error][0].startswith(ui("dashboard.fairs_missing", year=year, names="")[:5])
    pairs = table_with(at, ui("chart.pair.county"))
    assert pairs.iloc[:, 1].tolist() == reference.districts()["paired_county"].tolist()

    other = next(y for y in at.selectbox(key="dash_year").options if int(y) != year)
    at.selectbox(key="dash_year").set_value(int(other)).run()
    assert metrics(at)[ui("chart.measure_short.total")] == ui(
        "dashboard.people", n=f"{progress(demo_result().frame, int(other))['city']['total']:,}")


def test_dashboard_on_an_uploaded_roster_is_not_labelled_demo(as_user):
    as_user("city_officer")
    at = open_page("pages/dashboard.py")
    at.segmented_control(key="dash_source").set_value("upload").run()
    assert [i.value for i in at.info] == [ui("dashboard.no_data")]
    data = roster_xlsx(200, seed=41)
    upload(at, "r.xlsx", data, key="dash_file")
    assert not at.exception
    specs = chart_specs(at)
    assert len(specs) == 4 and not any(ui("chart.demo") in s for s in specs)   # no fair records yet
    year = at.selectbox(key="dash_year").value
    expected = progress(evaluate_file(data, "r.xlsx").frame, year)
    assert metrics(at)[ui("chart.measure_short.total")] == ui("dashboard.people", n=f"{expected['city']['total']:,}")
    fairs = f"区县,日期,举办地,企业\n柯桥区,{year}-05-01,金川县,甲公司\n".encode("gbk")
    upload(at, "fairs.csv", fairs, key="dash_fairs")
    missing = [d for d in reference.districts()["name"] if d != "柯桥区"]
    assert ui("dashboard.fairs_missing", year=year, names="、".join(missing)) in [e.value for e in at.error]


def test_dashboard_broken_upload_says_why(as_user):
    as_user("leader")
    at = open_page("pages/dashboard.py")
    at.segmented_control(key="dash_source").set_value("upload").run()
    upload(at, "x.xlsx", b"not a workbook at all", key="dash_file")
    assert not at.exception
    with pytest.raises(RosterReadError) as err:
        read_roster(b"not a workbook at all", "x.xlsx")
    assert [e.value for e in at.error] == [ui("roster.read_error", reason=_common.plain(str(err.value)))]


def test_stored_roster_feeds_the_dashboard(as_user):
    from core.db.uploads import load_rows

    as_user("city_officer")
    data = roster_csv(120, seed=51)
    at = open_page("pages/roster.py")
    upload(at, "r.csv", data)
    at.button(key="store_upload").click().run()
    assert not at.exception
    assert "store_upload" not in [b.key for b in at.button]       # stored once: the button is gone
    assert len(at.info) == 1 and at.info[0].value                 # core.db's sentence about it
    stored = load_rows()
    assert len(stored) == evaluate_file(data, "r.csv").summary["rows"]

    at = open_page("pages/dashboard.py")
    assert at.segmented_control(key="dash_source").value == "stored"
    year = at.selectbox(key="dash_year").value
    expected = progress(stored, year)
    assert metrics(at)[ui("chart.measure_short.total")] == ui("dashboard.people", n=f"{expected['city']['total']:,}")
    assert not any(ui("chart.demo") in s for s in chart_specs(at))


def _fits(text: str, key: str, lang: str, **fmt) -> bool:
    """``text`` is the catalog's ``key`` with these values and any time of day."""
    before, after = t(key, lang, at="\x00", **fmt).split("\x00")
    return text.startswith(before) and text.endswith(after)


def _unescaped(text: str) -> str:
    """A message as read on screen: the page escapes Markdown in it (pages._common.plain)."""
    import re

    return re.sub(r"\\(.)", r"\1", text).replace("  \n", "\n")


def test_the_roster_screen_shows_what_the_database_keeps_in_any_language(as_user):
    """Items an earlier upload already paid are shown at 0 before saving (what saving keeps), the
    saved result stays on screen across a language switch, and the same file opened again shows
    the result stored then, with the upload it is, and no second save."""
    from core.db.uploads import as_stored, load_rows

    user = as_user("city_officer")
    first = roster_csv(60, seed=52)
    # the same people in another order: another upload (the same rows re-encoded would be the same one)
    same_people = synthetic_roster(60, seed=52, error_rate=0.1).iloc[::-1].to_csv(index=False).encode("utf-8")
    at = open_page("pages/roster.py")
    before_deadline(at)                             # what is due is payable, and saving pays it
    upload(at, "a.csv", first)
    at.button(key="store_upload").click().run()
    paid_first = int(load_rows()["total_to_worker"].sum())
    assert paid_first > 0

    at = open_page("pages/roster.py")
    before_deadline(at)
    upload(at, "b.csv", same_people)                # other bytes, the same people: nothing more to pay
    total = ui("roster.total")
    assert metrics(at)[total] == _common.money(0)
    flagged = at.session_state["roster_loaded"][1].result.summary["flagged"]
    assert flagged and ui("roster.flagged", n=f"{flagged:,}") in [w.value for w in at.warning]
    at.button(key="store_upload").click().run()
    assert not at.exception and "store_upload" not in [b.key for b in at.button]
    assert metrics(at)[total] == _common.money(0)
    at.session_state["lang"] = "en"
    at.run()
    assert metrics(at)[t("ui.roster.total", "en")] == t("ui.money", "en", amount="0")
    assert "store_upload" not in [b.key for b in at.button]
    assert [_fits(_unescaped(i.value), "db.upload.already_stored", "en", user=user.name, upload_id=2) for i in at.info] == [True]
    at.session_state["lang"] = "zh"
    at.run()
    assert metrics(at)[total] == _common.money(0)

    at = open_page("pages/roster.py")               # the first file again, in a new session
    upload(at, "a.csv", first)
    assert metrics(at)[total] == _common.money(paid_first)
    assert "store_upload" not in [b.key for b in at.button]
    assert any(_fits(_unescaped(i.value), "db.upload.already_stored", "zh", user=user.name, upload_id=1) for i in at.info)
    assert int(load_rows()["total_to_worker"].sum()) == paid_first      # nothing stored twice
    assert as_stored(evaluate_file(first, "a.csv"), user, first).upload_id == 1


def test_every_page_renders_in_english(as_user):
    as_user("admin")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "en"
    at.run()
    at.button(key="sc_submit").click().run()
    assert not at.exception
    assert at.title[0].value == t("ui.self_check.title", "en")
    assert cards(at)["stabilization"]
    for page, key in (("pages/roster.py", "roster.title"), ("pages/dashboard.py", "dashboard.title")):
        at.switch_page(page).run()
        assert not at.exception, page
        assert at.title[0].value == t(f"ui.{key}", "en")
    at.switch_page("pages/roster.py").run()
    upload(at, "r.csv", roster_csv(20, seed=61))
    assert not at.exception and metrics(at)[t("ui.roster.rows", "en")] == "20"


def test_switching_language_keeps_the_self_check_answers(as_user):
    as_user(None)
    at = open_page()
    at.selectbox(key="sc_province").set_value("四川省").run()
    at.text_input(key="sc_county").set_value("金川县").run()
    at.text_input(key="sc_si").set_value("12").run()
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert at.title[0].value == t("ui.self_check.title", "en")
    assert (at.selectbox(key="sc_province.en").value, at.text_input(key="sc_county").value,
            at.text_input(key="sc_si").value) == ("四川省", "金川县", "12")
    assert at.selectbox(key="sc_province.en").options[:4] == ["Jilin", "Hubei", "Sichuan", "Guizhou"]


def test_choices_shown_in_words_keep_their_answer_across_languages(as_user):
    """Radios and selectboxes whose options are words of the page's language: the answer given in
    one language is the answer shown in the other, and back. (Streamlit keeps such a widget's value
    as the shown words; in a browser the old widget showed nothing chosen after a switch.)"""
    as_user(None)
    at = open_page()
    at.radio(key="sc_poor").set_value("yes").run()
    at.selectbox(key="sc_district").set_value("柯桥区").run()
    at.selectbox(key="sc_cert").set_value("中级工").run()
    assert not at.exception, at.exception
    at.session_state["lang"] = "en"       # what the sidebar's language menu sets
    at.run()
    assert not at.exception
    assert at.radio(key="sc_poor.en").value == "yes"
    assert at.radio(key="sc_poor.en").index == 0                      # shown chosen, not blank
    assert at.selectbox(key="sc_district.en").value == "柯桥区"
    assert at.selectbox(key="sc_cert.en").value == "中级工"
    # shown in English, chosen as the Chinese value the engine reads
    assert "Keqiao District" in at.selectbox(key="sc_district.en").options
    assert "Intermediate (Level 4)" in at.selectbox(key="sc_cert.en").options
    at.selectbox(key="sc_province.en").set_value("贵州省")
    at.session_state["lang"] = "en"
    at.run()
    assert at.session_state["sc_answers"]["sc_province"] == "贵州省"
    assert at.selectbox(key="sc_province.en").value == "贵州省"
    at.radio(key="sc_poor.en").set_value("no")
    at.session_state["lang"] = "en"
    at.run()
    at.session_state["lang"] = "zh"
    at.run()
    assert at.radio(key="sc_poor").value == "no"                      # the answer changed in English
    assert at.selectbox(key="sc_cert").value == "中级工"
    # no widget warning: the only one is the notice that claims closed (today is after 2021-12-31)
    deadline = _self_check_form.format_day(reference.policy()["claim_deadline"])
    assert [w.value for w in at.warning] == [ui("self_check.closed_before", date=deadline)]


def test_the_officer_chooses_the_day_of_the_check_due_and_payable_are_shown_apart(as_user):
    """RULES.md, the claim deadline: the roster page lets the officer choose the day of the check;
    after 2021-12-31 the amounts are still what was due, nothing is payable, and every row says so."""
    as_user("city_officer")
    data = roster_csv(40, seed=61)
    at = open_page("pages/roster.py")
    before_deadline(at, dt.date(2021, 12, 31))
    upload(at, "r.csv", data)
    loaded = at.session_state["roster_loaded"][1]
    due = loaded.result.summary["total_to_worker"]
    assert due > 0
    assert metrics(at)[ui("roster.total")] == _common.money(due)
    assert metrics(at)[ui("roster.total_payable")] == _common.money(due)     # on the deadline: payable
    assert not any(ui("roster.claim_closed", as_of="\x00", deadline="\x00").split("\x00")[0] in w.value
                   for w in at.warning)
    assert set(loaded.table[ui("table.claim_status")]) == {ui("table.claim_open")}

    before_deadline(at, dt.date(2022, 1, 1))        # the day after the deadline: the file is checked again
    loaded = at.session_state["roster_loaded"][1]
    assert loaded.result.summary["total_to_worker"] == due
    assert metrics(at)[ui("roster.total")] == _common.money(due)
    assert metrics(at)[ui("roster.total_payable")] == _common.money(0)
    assert ui("roster.claim_closed", as_of="2022-01-01", deadline="2021-12-31") in [w.value for w in at.warning]
    assert set(loaded.table[ui("table.claim_status")]) == {ui("table.claim_closed")}


def test_rows_with_errors_of_single_items_are_listed_with_their_row_number(as_user):
    as_user("city_officer")
    header = [c.header for c in reference.columns()]
    good = dict(zip(header, ["张三", "513226199001010015", "四川省", "金川县", "是", "2019-01-01", "柯桥区", "", "abc",
                             "12", "", "", "", "0", ""]))
    data = pd.DataFrame([good]).to_csv(index=False).encode("utf-8")
    at = open_page("pages/roster.py")
    before_deadline(at)
    upload(at, "r.csv", data)
    frame = at.session_state["roster_loaded"][1].result.frame
    assert frame["valid"].tolist() == [True] and frame["stabilization_status"].tolist() == ["error"]
    assert frame["family_visit"].tolist() == [5000]        # the other items are still paid
    listed = _roster_tables.error_list(frame)
    assert listed[ui("table.row")].tolist() == [2]
