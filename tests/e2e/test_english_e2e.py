"""The self-check in English in a real headless Chromium (390 px): the province, district and
certificate level are chosen by their English names, and no reference name (province, district,
paired county, certificate level) is left in Chinese on the screen. Screenshot in
test-output/screenshots/english_self_check_390.png."""
from __future__ import annotations

import pytest

from core.i18n import t
from core.reference import districts, provinces, skill_levels
from test_app_e2e import choose_select, settle, snap

pytestmark = pytest.mark.e2e

SHOWN = """() => ['stSidebar', 'stMain'].map(id => document.querySelector(`[data-testid="${id}"]`))
  .filter(Boolean).map(e => e.innerText).join('\\n')"""


def en(key: str, **fmt) -> str:
    return t(key, "en", **fmt)


def test_self_check_in_english_names_places_and_levels_in_english(app_url, phone, screenshots):
    page = phone
    page.goto(app_url)
    settle(page, 60_000)
    page.locator('[data-testid="stExpandSidebarButton"]').click()
    page.wait_for_timeout(500)
    choose_select(page, t("ui.app.lang_label"), "English")
    page.get_by_text(en("ui.self_check.title"), exact=True).first.wait_for()
    page.locator('[data-testid="stSidebarCollapseButton"]').first.click()     # the phone's menu closed again
    page.wait_for_timeout(500)
    choose_select(page, en("ui.self_check.q_province"), "Sichuan")
    choose_select(page, en("ui.self_check.q_district"), "Keqiao District")
    choose_select(page, en("ui.self_check.q_cert"), "Technician (Level 2)")
    page.get_by_role("button", name=en("ui.self_check.submit")).click()
    page.get_by_text(en("ui.self_check.result_title"), exact=True).wait_for(timeout=60_000)
    settle(page)
    snap(page, screenshots / "english_self_check_390.png")
    card = page.locator(".st-key-card_skill_training").inner_text()
    assert "Technician (Level 2)" in card and "Junior (Level 5)" in card
    text = page.evaluate(SHOWN)
    names = [*provinces()["name"], *provinces()["short"], *districts()["name"], *districts()["paired_county"],
             *skill_levels()["level"]]
    assert [n for n in names if n in text] == []
