"""Officers' pages (Streamlit AppTest) against a real database: the roster's save button under
the result and only when something can be saved; a district officer's own district's progress
and the withdrawal of its own uploads; the dashboard and `progress --from-db` on the same rows."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import accounts, audit, uploads
from core.db.accounts import AccountError
from core.db.models import payments
from core.db.session import reading
from core.i18n import t
from core.paths import ROOT
from tests.db_conftest_helpers import (  # noqa: F401  (fixtures)
    db, evaluate, person, pg_db, pg_server, roster_csv, sqlite_db, user,
)

st_testing = pytest.importorskip("streamlit.testing.v1")


class _Page:
    """AppTest of the app (streamlit_app.py) opened on one page, signed in as ``who``. Through
    the app, not the page file alone: the reading process runs the main script of the process
    again (``__mp_main__``), and the app's script is the one made for that."""

    def __init__(self, name: str, who=None):
        self.name, self.who = name, who

    def run(self):
        at = st_testing.AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=90)
        if self.who is not None:
            accounts.session_login(at.session_state, self.who)
        at.run()
        return at.switch_page(f"pages/{self.name}").run()


def page(name: str, who=None) -> _Page:
    return _Page(name, who)


def in_order(node):
    """Every element of the page, in the order shown (blocks walked depth first)."""
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    yield node
    for key in sorted(children):
        yield from in_order(children[key])


def _upload(at, name: str, data: bytes):
    at.file_uploader(key="roster_file").set_value((name, data, "text/csv"))
    return at.run()


# ------------------------------------------------------------------------------------------ roster

def test_save_button_sits_under_the_result_and_only_with_a_valid_row(sqlite_db):
    officer = user("district_officer", name="kq", district="柯桥区")
    at = page("roster.py", officer).run()
    _upload(at, "a.csv", roster_csv([person(1), person(2, 身份证号="123")]))
    assert not at.exception, at.exception
    elements = list(in_order(at.main))
    kinds = [(e.type, getattr(e, "key", None) or getattr(e, "value", None)) for e in elements]
    store = next(i for i, (kind, key) in enumerate(kinds) if kind == "button" and key == "store_upload")
    table = next(i for i, (kind, _) in enumerate(kinds) if kind == "dataframe")       # the amounts
    result_grid = max(i for i, e in enumerate(elements) if e.type == "dataframe"
                      and t("ui.table.valid") in e.value.columns)
    errors = next(i for i, e in enumerate(elements) if e.type == "table")        # the error list
    downloads = next(i for i, (kind, key) in enumerate(kinds) if kind == "download_button" and key == "download_xlsx")
    assert table < result_grid < errors < store < downloads
    assert elements[store].proto.type == "primary"

    # a roster with no valid row: nothing to save, and the page says so in one sentence
    at = page("roster.py", officer).run()
    _upload(at, "b.csv", roster_csv([person(1, 身份证号="123"), person(2, 就业区县="杭州市")]))
    assert not at.exception
    assert "store_upload" not in [b.key for b in at.button]
    assert t("officer.store_nothing_valid") in [i.value for i in at.info]


def test_downloads_offer_the_workbook_first(sqlite_db):
    officer = user("city_officer")
    at = page("roster.py", officer).run()
    _upload(at, "a.csv", roster_csv([person(1)]))
    keys = [b.key for b in at.get("download_button")]
    assert keys.index("download_xlsx") < keys.index("download_csv")


def test_the_day_of_the_check_is_bounded_and_explained_by_the_policy_data(sqlite_db):
    """The first day and the claim deadline come from the policies in force: with a (test-only)
    successor policy, the help names the successor's deadline, not the notice's."""
    from pathlib import Path

    from core import reference
    from core.paths import DATA

    reference.use_policy_dirs([DATA / "policy", Path(__file__).parent / "policies"])
    try:
        at = page("roster.py", user("city_officer")).run()
        first, deadline = reference.policies()[0].start, reference.policies()[-1]["claim_deadline"]
    finally:
        reference.use_policy_dirs([DATA / "policy"])
    day = at.date_input(key="as_of")
    assert deadline.year == 2024 and day.min == first
    said = t("ui.self_check.date_format", y=deadline.year, m=deadline.month, d=deadline.day)
    assert f"（{said}）" in day.help and "2021" not in day.help


def test_the_upload_limit_is_said_once_under_the_roster_uploader(sqlite_db):
    from pages._common import MAX_UPLOAD_MB

    at = page("roster.py", user("city_officer")).run()
    limit = t("ui.roster.upload_limit", mb=MAX_UPLOAD_MB)
    uploader = at.file_uploader(key="roster_file")
    said = [c.value for c in at.caption if c.value == limit] + [h for h in [uploader.help] if h and "MB" in h]
    assert said == [limit]


# ----------------------------------------------------------------------- district officers

def _paid(upload_id: int) -> list[bool]:
    with reading() as conn:
        return [r.active for r in conn.execute(select(payments.c.active).where(payments.c.upload_id == upload_id))]


def test_a_district_officer_withdraws_its_own_upload_not_a_colleagues(db):
    kq = user("district_officer", name="kq", district="柯桥区")
    kq2 = user("district_officer", name="kq2", district="柯桥区")
    yc = user("district_officer", name="yc", district="越城区")
    a = roster_csv([person(1), person(2)])
    b = roster_csv([person(3)])
    mine = uploads.store_upload(evaluate(a), kq, "a.csv", a)
    colleague = uploads.store_upload(evaluate(b), kq2, "b.csv", b)
    assert all(_paid(mine.upload_id)) and _paid(mine.upload_id)
    for who, which in ((kq, colleague.upload_id), (yc, mine.upload_id), (kq2, mine.upload_id)):
        with pytest.raises(AccountError):
            uploads.withdraw_upload(which, who, "传错了")
    assert all(_paid(mine.upload_id))
    uploads.withdraw_upload(mine.upload_id, kq, "传错了文件")
    assert not any(_paid(mine.upload_id)) and all(_paid(colleague.upload_id))
    entry = audit.entries(action="withdraw")
    assert list(entry["actor"]) == ["kq"] and "传错了文件" in entry["detail"].iloc[0]
    # a city officer still withdraws any upload
    uploads.withdraw_upload(colleague.upload_id, user("city_officer"), "复核后撤回")
    assert not any(_paid(colleague.upload_id))


def test_district_page_shows_its_own_progress_and_withdraws_its_own_upload(sqlite_db):
    from core.db.cli import progress_from_db

    kq = user("district_officer", name="kq", district="柯桥区")
    kq2 = user("district_officer", name="kq2", district="柯桥区")
    city = user("city_officer")
    a = roster_csv([person(1), person(2)])
    mine = uploads.store_upload(evaluate(a), kq, "mine.csv", a)
    b = roster_csv([person(3)])
    uploads.store_upload(evaluate(b), kq2, "colleague.csv", b)
    c = roster_csv([person(4, district="越城区"), person(5)])
    uploads.store_upload(evaluate(c), city, "city.csv", c)

    at = page("district.py", kq).run()
    assert not at.exception, at.exception
    expected = progress_from_db(2018, user="kq")["by_district"]["柯桥区"]
    assert expected["total"] == 4                                # 1, 2, 3 and 5: not 越城区's 4
    shown = {m.label: m.value for m in at.metric}
    assert shown[t("officer.district_progress.total")] == t("ui.dashboard.people", n=f"{expected['total']:,}")
    for measure in ("paired_four", "other_central_western", "sichuan_helped"):
        assert shown[t(f"ui.chart.measure_short.{measure}")] == t("ui.dashboard.people", n=f"{expected[measure]:,}")
    # its own uploads only, and only those offered for withdrawal
    assert at.selectbox(key="my_withdraw_which").options == [
        t("officer.my_uploads.option", upload_id=mine.upload_id, filename="mine.csv",
          at=uploads.list_uploads(kq).set_index("id").loc[mine.upload_id, "uploaded_at"].strftime("%Y-%m-%d %H:%M"),
          rows="2")]
    submit = next(b for b in at.button if b.proto.form_id == "my_withdraw")
    submit.click().run()                                          # no reason: one sentence, nothing done
    assert [e.value for e in at.error] == [t("officer.my_uploads.reason_missing")]
    assert all(_paid(mine.upload_id))
    at.text_input(key="my_withdraw_reason").input("传错了文件")
    next(b for b in at.button if b.proto.form_id == "my_withdraw").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [t("officer.my_uploads.withdrawn", upload_id=mine.upload_id)]
    assert not any(_paid(mine.upload_id))
    assert progress_from_db(2018, user="kq")["by_district"]["柯桥区"]["total"] == 2
    shown = {m.label: m.value for m in at.metric}
    assert shown[t("officer.district_progress.total")] == t("ui.dashboard.people", n="2")
    assert audit.entries(action="withdraw")["actor"].tolist() == ["kq"]


def test_district_page_is_for_district_officers_only(sqlite_db):
    at = page("district.py", user("leader", name="boss")).run()
    assert not at.exception and not at.metric
    assert [e.value for e in at.error] == [t("ui.common.forbidden")]


# ------------------------------------------------------------------- dashboard = command line

def test_dashboard_and_progress_from_db_agree_with_and_without_demo(db, tmp_path):
    """The same stored rows: real uploads and `python -m core demo`; the dashboard and
    `python -m core progress --from-db` give the same city figures, demo left out of both unless
    asked for (the toggle, --include-demo), and labelled when counted."""
    import json
    import os
    import subprocess
    import sys

    from core.db.cli import load_demo

    officer, leader = user("city_officer"), user("leader", name="boss")
    content = roster_csv([person(n, district=d) for n, d in enumerate(["柯桥区", "越城区", "上虞区"] * 3, start=1)])
    uploads.store_upload(evaluate(content), officer, "a.csv", content)
    load_demo(rows=120)

    def cli(*extra):
        out = subprocess.run([sys.executable, "-m", "core", "progress", "--from-db", "--year", "2018", *extra],
                             capture_output=True, text=True, env=dict(os.environ), cwd=ROOT, timeout=300)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout), out.stderr

    def shown(at):
        return {m.label: m.value for m in at.metric}

    def figures(report):
        return {t(f"ui.chart.measure_short.{k}"): t("ui.dashboard.people", n=f"{report['city'][k]:,}")
                for k in ("total", "paired_four", "other_central_western", "sichuan_helped")}

    real, note = cli()
    with_demo, quiet = cli("--include-demo")
    assert real["city"]["total"] == 9 and with_demo["city"]["total"] > 9
    assert "demo_rows" not in real and with_demo["demo_rows"] > 0
    assert str(with_demo["demo_rows"]) in note and quiet == ""

    at = page("dashboard.py", leader).run()
    assert not at.exception, at.exception
    at.selectbox(key="dash_year").set_value(2018).run()
    assert figures(real).items() <= shown(at).items()
    assert t("ui.dashboard.stored_demo_banner") not in [w.value for w in at.warning]
    at.toggle(key="dash_include_demo").set_value(True).run()
    assert figures(with_demo).items() <= shown(at).items()
    assert t("ui.dashboard.stored_demo_banner") in [w.value for w in at.warning]
