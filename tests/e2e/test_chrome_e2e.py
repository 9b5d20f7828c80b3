"""No English in the Chinese interface and nothing fetched from outside, in a real Chromium.

Every page of every role is opened (the self-check and the login page as a visitor, then each
role's menu), with the states that bring Streamlit's own texts out: a number that cannot be
right, the calendar, a choice list, an uploaded roster and its table's toolbar. On each, every
visible text, aria label, title and placeholder is collected; a Latin word in them that is not
the app's own (file types, account names, the language menu) fails the test with where it was.
Every request the browser makes while doing so must go to the app's own server."""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import OFFICER, ROOT, serve  # tests/e2e/conftest.py
from test_app_e2e import log_in, open_page, settle, snap, ui
from core.i18n import t
from core.synthetic import synthetic_roster
from pages._registry import visible_pages

pytestmark = pytest.mark.e2e

PASSWORD = "Shaoxing-e2e-2018!"
ROLES = {"admin": None, "city_officer": None, "district_officer": "柯桥区", "leader": None}
# Latin words that are the app's own: file types and sizes, the language menu, account names
ALLOWED = {"CSV", "Excel", "XLSX", "XLS", "csv", "xlsx", "xls", "MB", "KB", "UTF", "GBK", "Language", "English",
           "Ctrl", "Esc", "ID", "WPS", "PDF", "PNG", "QR", "URL", "Word", "docx"}
LATIN = re.compile(r"[A-Za-z]{2,}(?:'[a-z]+)?")

COLLECT = """() => {
  const out = [];
  const quiet = e => e.closest('[translate="no"], script, style, [data-testid="stIconMaterial"]');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const el = n.parentElement;
    const s = (n.nodeValue || '').trim();
    if (!s || !el || quiet(el)) continue;
    if (!el.getClientRects().length) continue;           // not shown (display: none, detached)
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden') continue;
    out.push(['text', s]);
  }
  for (const e of document.querySelectorAll('[aria-label],[title],[placeholder],[alt],[aria-valuetext]')) {
    if (quiet(e)) continue;
    for (const a of ['aria-label', 'title', 'placeholder', 'alt', 'aria-valuetext']) {
      const v = e.getAttribute(a);
      if (v) out.push([a, v]);
    }
  }
  out.push(['document title', document.title]);
  return out;
}"""


def english(page, names: tuple[str, ...] = ()) -> list[str]:
    """What the page shows that holds a Latin word not in ALLOWED (account names taken out)."""
    found = []
    for where, text in page.evaluate(COLLECT):
        if set(LATIN.findall(_without(text, names))) - ALLOWED:
            found.append(f"{where}: {text!r}")
    return sorted(set(found))


def _without(text: str, names: tuple[str, ...]) -> str:
    for name in names:
        text = text.replace(name, " ")
    return re.sub(r"[\w-]+\.(?:csv|xlsx|xls)", " ", text)        # a file's own name


def _add_user(data_dir: Path, name: str, role: str, district: str | None) -> None:
    env = {**os.environ, "SHAOXING_DB_PATH": str(data_dir / "shaoxing.db"),
           "SHAOXING_ID_KEY_FILE": str(data_dir / "id.key")}
    env.pop("DATABASE_URL", None)
    cmd = [sys.executable, "-m", "core", "users", "add", name, "--role", role]
    if district:
        cmd += ["--district", district]
    made = subprocess.run(cmd, cwd=ROOT, env=env, input=PASSWORD + "\n", capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr


@pytest.fixture(scope="module")
def app(tmp_path_factory, chromium_path):
    """The app with one account of each role (names e2e_<role>)."""
    data = tmp_path_factory.mktemp("chrome-app")
    for role, district in ROLES.items():
        if role != OFFICER[0].removeprefix("e2e_"):
            _add_user(data, f"e2e_{role}", role, district)
    with serve(data, OFFICER) as (url, _):
        yield url


class Outside:
    """Every request of a page that does not go to the app's own server."""

    def __init__(self, page, url: str):
        self.own = re.match(r"https?://[^/]+", url).group(0)
        self.seen: list[str] = []
        self.count = 0
        page.on("request", self.request)

    def request(self, req) -> None:
        self.count += 1
        if not (req.url.startswith(self.own + "/") or req.url == self.own or req.url.startswith(("data:", "blob:"))):
            self.seen.append(req.url)


def _self_check_states(page, problems: dict) -> None:
    label = ui("self_check.q_si_months")
    field = page.locator('[data-testid="stTextInput"]').filter(has_text=label).locator("input")
    field.fill("700")            # a count that cannot be right: said in Chinese, not dropped
    problems["self_check: typing"] = english(page)
    field.press("Enter")
    settle(page)
    page.get_by_text(t("ui.self_check.bad_months", label=label, value="700", most=600)).first.wait_for()
    problems["self_check: 700 months"] = english(page)
    # the dates are 年 / 月 / 日 choices (pages/_date_choice.py): their list, and a date chosen in part
    year = page.locator(".st-key-sc_first_date_box [data-testid='stSelectbox']").first.locator("input")
    year.click()
    page.get_by_role("option").first.wait_for()
    problems["self_check: date choice list"] = english(page)
    page.get_by_role("option", name="2019年", exact=True).click()
    settle(page)
    page.get_by_text(t("date_choice.partial", question=ui("self_check.q_first_date"), missing="月、日")).wait_for()
    problems["self_check: date chosen in part"] = english(page)
    page.locator('[data-testid="stSelectbox"]').filter(has_text=ui("self_check.q_province")).locator("input").click()
    page.get_by_role("option").first.wait_for()
    problems["self_check: choice list"] = english(page)
    page.keyboard.press("Escape")
    page.get_by_role("button", name=ui("self_check.submit")).click()
    settle(page)
    page.get_by_text(ui("self_check.result_title"), exact=True).wait_for()
    page.locator('[data-testid="stTooltipHoverTarget"]').first.hover()
    page.wait_for_timeout(500)
    problems["self_check: result, help tooltip"] = english(page)


def _table_toolbar(page, problems: dict, where: str, names) -> None:
    """Hover each table and its toolbar buttons: their tooltips are Streamlit's own words."""
    tables = page.locator('[data-testid="stElementContainer"]').filter(has=page.locator('[data-testid="stDataFrame"]'))
    for i in range(min(tables.count(), 3)):
        table = tables.nth(i)
        table.scroll_into_view_if_needed()
        table.locator('[data-testid="stDataFrame"]').hover(force=True)
        page.wait_for_timeout(400)
        buttons = table.locator('[data-testid="stElementToolbar"] button')
        assert buttons.count() >= 1, where              # the toolbar shows on hover
        for j in range(buttons.count()):
            buttons.nth(j).hover(force=True)
            page.wait_for_timeout(300)
            problems[f"{where}: table {i} toolbar {j}"] = english(page, names)


def _date_states(page, problems: dict, names) -> None:
    """Streamlit's date field (the roster's day of the check, at most today): a day after its range
    is refused in Chinese, and its calendar speaks Chinese."""
    today = dt.date.today()
    segment = page.locator('[data-testid="stDateInput"] [role="spinbutton"]').first
    segment.click()
    page.keyboard.type("20310115")
    page.keyboard.press("Tab")
    settle(page)
    page.get_by_text(t("chrome.date_after_max", "zh").format(today.isoformat())).first.wait_for()
    problems["roster: date out of range"] = english(page, names)
    segment.click()
    page.keyboard.type(today.strftime("%Y%m%d"))        # the day of the check back to today
    page.keyboard.press("Tab")
    settle(page)
    page.locator('[data-testid="stDateInputCalendarButton"]').first.click()
    page.locator('[role="dialog"]').first.wait_for()
    page.wait_for_timeout(300)
    problems["roster: calendar"] = english(page, names)
    page.keyboard.press("Escape")
    settle(page)


def _roster_upload(page, tmp_path, problems: dict, names) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(synthetic_roster(30, seed=5, error_rate=0.1).to_csv(index=False).encode("gbk"))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_text(ui("roster.summary_title")).wait_for(timeout=60_000)
    settle(page)
    problems["roster: uploaded"] = english(page, names)
    _table_toolbar(page, problems, "roster", names)


def test_no_english_and_nothing_from_outside_for_every_role(app, browser, tmp_path, screenshots):
    problems: dict[str, list[str]] = {}
    outside: list[str] = []
    requests = 0
    from conftest import DESKTOP, RUNS, RunWatch

    def new_page():
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN", device_scale_factor=1)
        page = context.new_page()
        page.set_default_timeout(30_000)
        watch = RUNS[id(page)] = RunWatch()
        page.on("websocket", watch.watch)
        return context, page, Outside(page, app)

    # a visitor: the self-check and the login page
    context, page, out = new_page()
    page.goto(app)
    page.get_by_text(ui("self_check.intro")[:12]).first.wait_for()
    settle(page)
    problems["self_check"] = english(page)
    _self_check_states(page, problems)
    page.goto(f"{app}/login")
    settle(page)
    page.get_by_label(t("db.login.username")).wait_for()
    problems["login"] = english(page)
    page.get_by_label(t("db.login.username")).fill("x")        # a form's "Press Enter to submit form"
    page.wait_for_timeout(300)
    problems["login: typing"] = english(page)
    outside += out.seen
    requests += out.count
    context.close()

    for role, district in ROLES.items():
        name = f"e2e_{role}"
        names = (name, app + "/", "PUBLIC_URL")    # the app's own: an account, its address, a variable's name
        context, page, out = new_page()
        log_in(page, app, (name, PASSWORD))
        user = SimpleNamespace(name=name, role=role, district=district)
        # the self-check was seen as a visitor (the default page, at the root address)
        specs = [s for s in visible_pages(user, True) if s.path not in ("pages/login.py", "pages/self_check.py")]
        assert len(specs) >= 1, role
        for spec in specs:
            where = f"{role} {spec.path}"
            open_page(page, app, ui(spec.title_key), Path(spec.path).stem)
            page.wait_for_timeout(500)
            problems[where] = english(page, names)
            if spec.path == "pages/roster.py":
                if "roster: calendar" not in problems:     # once is enough: the same field for every role
                    _date_states(page, problems, names)
                _roster_upload(page, tmp_path, problems, names)
            else:
                _table_toolbar(page, problems, where, names)
            if role == "admin":
                snap(page, screenshots / f"chrome_{Path(spec.path).stem}_desktop.png")
        outside += out.seen
        requests += out.count
        context.close()

    assert requests > 50                           # the watcher saw the pages load
    assert outside == [], outside
    left = {where: found for where, found in problems.items() if found}
    assert left == {}, "\n".join(f"{w}:\n  " + "\n  ".join(f) for w, f in left.items())
