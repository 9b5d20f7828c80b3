"""The page boundary: a failure shows one catalog sentence (details in the server log only), and
text typed by users is shown as typed, never read as Markdown (links, remote images)."""
from __future__ import annotations

import logging

import pytest

from core.i18n import t
from pages import _common, _roster_tables, _self_check_form, _stored_tables
from tests.test_app_pages import APP, as_user, open_page, upload  # noqa: F401  (fixture)
from tests.test_validate import person, roster

st_testing = pytest.importorskip("streamlit.testing.v1")

IMAGE = "![x](http://evil.example/x.png)"
LINK = "[a](javascript:alert(1))"


def _all_text(at) -> list[str]:
    parts = [m.value for m in (*at.markdown, *at.caption, *at.warning, *at.info, *at.error, *at.success)]
    for table in at.table:
        parts += [str(v) for v in table.value.to_numpy().ravel()]
    return [str(p) for p in parts]


def test_plain_escapes_links_images_and_directives():
    for text in (IMAGE, LINK, ":red[x] :material/home:", "**bold** `code` $x$ <b>"):
        escaped = _common.plain(text)
        assert "](" not in escaped and "**" not in escaped and "<b>" not in escaped
        assert escaped.replace("\\", "") == text
    assert _common.plain("张三 某纺织有限公司") == "张三 某纺织有限公司"


def test_a_failing_page_shows_one_sentence_and_logs_the_details(caplog):
    def app():
        import streamlit as st  # noqa: F401

        from pages._common import run_page

        class Page:
            url_path = "broken"

            def run(self):
                raise RuntimeError("(psycopg.errors.UniqueViolation) [SQL: INSERT …] [parameters: ('secret-513226')]")

        run_page(Page())

    with caplog.at_level(logging.ERROR, logger="shaoxing.pages"):
        at = st_testing.AppTest.from_function(app, default_timeout=30).run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("ui.common.internal_error")]
    assert not any("secret" in v for v in _all_text(at))
    assert any(r.exc_info and "secret-513226" in str(r.exc_info[1]) for r in caplog.records)


def test_the_app_catches_a_page_failure_at_its_boundary(as_user, monkeypatch):
    as_user(None)

    def broken():
        raise ValueError("internal detail: SELECT * FROM users WHERE name = 'root'")

    monkeypatch.setattr(_self_check_form, "province_options", broken)     # the self-check (first page) fails
    at = st_testing.AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert t("ui.common.internal_error") in [e.value for e in at.error]
    assert not any("SELECT" in v for v in _all_text(at))


@pytest.mark.parametrize("name", [IMAGE, LINK])
def test_a_signed_in_name_is_not_read_as_markdown(as_user, name):
    user = as_user("city_officer")
    user.name = name
    at = open_page()
    shown = _all_text(at)
    assert any("evil" in v or "javascript" in v for v in shown)   # the name is shown …
    assert not [v for v in shown if "](" in v]            # … as typed, not as an image


def test_cells_quoted_in_the_error_table_are_not_read_as_markdown(as_user):
    as_user("city_officer")
    data = roster([person(1, first_employment_date=IMAGE, employer=LINK), person(2, home_county=LINK)])
    at = open_page("pages/roster.py")
    upload(at, "r.csv", data)
    assert not at.exception
    shown = _all_text(at)
    assert any("evil" in v for v in shown)              # the typed value is quoted in the message …
    assert not [v for v in shown if "](" in v]           # … escaped: neither an image nor a link


def test_tables_on_screen_download_without_live_formulas():
    """st.dataframe offers its table as a CSV download (Streamlit writes it as is): the tables
    the pages show have their text cells neutralised like the project's own files."""
    import pandas as pd

    from core.cells import is_live
    from core.engine import evaluate_file
    from tests.test_validate import AS_OF

    stored = _stored_tables.stored_table(pd.DataFrame({"actor": ["=cmd|' /C calc'!A0", "张三"], "ok": [True, False]}),
                                  ["actor", "ok"])
    assert stored.iloc[:, 0].tolist() == ["'=cmd|' /C calc'!A0", "张三"]
    result = evaluate_file(roster([person(1, name="@SUM(1,2)", employer="+1+1"), person(2, id_number="=1")]),
                           "r.csv", as_of=AS_OF)
    for table in (_roster_tables.display_table(result.frame), _roster_tables.error_list(result.frame)):
        cells = [v for v in table.to_numpy().ravel() if isinstance(v, str)]
        assert not [v for v in cells if is_live(v)]
    assert "'@SUM(1,2)" in _roster_tables.display_table(result.frame).to_numpy().ravel().tolist()


def test_a_failing_database_before_any_page_is_one_sentence(as_user, monkeypatch):
    as_user("city_officer")

    def unreachable():
        raise ConnectionError("connection to server at 10.0.0.5 port 5432 failed: password authentication")

    monkeypatch.setattr(_common, "current_user", unreachable)
    at = st_testing.AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors and set(errors) == {t("ui.common.internal_error")}
    assert not any("5432" in v for v in _all_text(at))
