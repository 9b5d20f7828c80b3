"""In Chromium at phone and desktop width: the 宣传推广 page (link, QR code and poster of
PUBLIC_URL; the downloaded QR code and poster decode back to it) and the worker's self-check
(claims closed said first, a wrong number said in Chinese, the years from 2018, one
explanation for a person not covered). No English, no request beyond the app's server."""
from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from conftest import OFFICER, serve  # tests/e2e/conftest.py
from test_app_e2e import choose_radio, log_in, open_page, settle, snap, ui
from test_chrome_e2e import Outside, english
from core import reference
from core.i18n import t

pytestmark = pytest.mark.e2e
PUBLIC = "https://zice.sx.example.gov.cn/"


@pytest.fixture(scope="module")
def share_app(tmp_path_factory, chromium_path):
    """The app with PUBLIC_URL set, as a deployment behind nginx would have it."""
    mp = pytest.MonkeyPatch()
    mp.setenv("PUBLIC_URL", PUBLIC.rstrip("/"))
    try:
        with serve(tmp_path_factory.mktemp("share-app"), OFFICER) as (url, _):
            yield url
    finally:
        mp.undo()


def _decode(data: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_share_page_gives_a_link_qr_code_and_poster_that_decode(request, share_app, screenshots, tmp_path,
                                                                     width):
    page = request.getfixturevalue(width)
    outside = Outside(page, share_app)
    log_in(page, share_app, OFFICER)
    open_page(page, share_app, ui("nav.share"), "share")
    page.get_by_role("heading", name=t("share.page.title")).wait_for()
    page.locator('[data-testid="stImage"] img').nth(1).wait_for(timeout=60_000)
    settle(page)
    assert page.locator('[data-testid="stCode"]').inner_text().strip() == PUBLIC
    assert page.locator('[data-testid="stAlert"]').count() == 0          # PUBLIC_URL is set: no warning
    found = {}
    for key, label in (("qr", "share.page.download_qr"), ("poster", "share.page.download_poster_png"),
                       ("pdf", "share.page.download_poster_pdf")):
        with page.expect_download() as info:
            page.get_by_role("button", name=t(label)).click()
        found[key] = info.value.path().read_bytes()
    assert _decode(found["qr"]) == [PUBLIC]
    assert _decode(found["poster"]) == [PUBLIC]
    assert Image.open(io.BytesIO(found["poster"])).size == (1654, 2339)
    assert found["pdf"].startswith(b"%PDF")
    assert english(page, (OFFICER[0], PUBLIC, PUBLIC.rstrip("/"))) == []      # the address is the app's own
    snap(page, screenshots / f"share_{width}.png")
    (screenshots / "poster.png").write_bytes(found["poster"])
    assert outside.seen == [] and outside.count > 10
    if width == "phone":
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_worker_reads_the_deadline_first_and_a_person_not_covered_gets_one_answer(request, share_app,
                                                                                      screenshots, width):
    page = request.getfixturevalue(width)
    outside = Outside(page, share_app)
    page.goto(share_app)
    page.get_by_text(ui("self_check.intro")[:12]).first.wait_for()
    settle(page)
    deadline = reference.policies()[-1]["claim_deadline"]
    notice = page.locator('[data-testid="stAlert"]').first
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in notice.inner_text()
    first_question = page.locator('[data-testid="stRadio"]').first
    intro = page.get_by_text(ui("self_check.intro")[:12]).first
    assert notice.bounding_box()["y"] < intro.bounding_box()["y"] < first_question.bounding_box()["y"]
    snap(page, screenshots / f"self_check_form_{width}.png")

    # the first-employment date: 年 / 月 / 日 side by side, even on a phone; the years open on the
    # policy's first year (a calendar opened on 2020-12 or later)
    boxes = page.locator(".st-key-sc_first_date_box [data-testid='stSelectbox']")
    assert boxes.count() == 3
    tops = {round(boxes.nth(i).bounding_box()["y"]) for i in range(3)}
    assert len(tops) == 1, tops                                          # one row, not stacked
    year = boxes.first.locator("input")
    year.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    year.click()
    shown = page.get_by_role("option")
    if not shown.first.is_visible():
        year.press("ArrowDown")        # the list opens from the keyboard too (a click that scrolled may not open it)
    shown.first.wait_for()
    start, end = reference.policies()[0].start, reference.policies()[-1].end
    assert shown.all_inner_texts()[:end.year - start.year + 1] == [f"{y}年" for y in range(start.year, end.year + 1)]
    snap(page, screenshots / f"self_check_years_{width}.png")
    page.keyboard.press("Escape")
    settle(page)

    # a number that cannot be right: one Chinese sentence, not a silent blank
    label = ui("self_check.q_si_months")
    field = page.locator('[data-testid="stTextInput"]').filter(has_text=label).locator("input")
    field.fill("700")
    field.press("Enter")
    settle(page)
    page.get_by_text(t("ui.self_check.bad_months", label=label, value="700", most=600)).first.wait_for()
    field.fill("")
    field.press("Enter")
    settle(page)

    choose_radio(page, ui("self_check.q_poor"), ui("common.no"))
    page.get_by_role("button", name=ui("self_check.submit")).click()
    settle(page)
    card = page.locator(".st-key-coverage_card")
    card.wait_for()
    assert "12333" in card.inner_text() and ui("self_check.covered.not_eligible")[:10] in card.inner_text()
    assert page.locator('[class*="st-key-card_"]').count() == 0        # not six cards saying the same
    assert page.inner_text('[data-testid="stMain"]').count("12333") == 1     # said once
    assert "第三" not in page.inner_text("body")
    assert english(page) == []
    snap(page, screenshots / f"self_check_not_covered_{width}.png")
    assert outside.seen == []
