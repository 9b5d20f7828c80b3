"""The 宣传推广 page (AppTest): officers get the link, the QR code and the poster for the address
PUBLIC_URL names; without PUBLIC_URL the page says so; a visitor and a leader cannot open it."""
from __future__ import annotations

import io
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import zxingcpp
from PIL import Image
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core import share  # noqa: E402
from core.i18n import t  # noqa: E402
from pages import _common, _registry  # noqa: E402

APP = str(ROOT / "streamlit_app.py")
PAGE = "pages/share.py"


@pytest.fixture
def sign_in(monkeypatch, tmp_path):
    import streamlit as st

    st.cache_data.clear()          # the page caches the QR code and the poster by address
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SHAOXING_DB_PATH", str(tmp_path / "app.db"))
    monkeypatch.setenv("SHAOXING_ID_KEY_FILE", str(tmp_path / "id.key"))

    def as_role(role: str | None, district: str | None = None):
        user = None if role is None else SimpleNamespace(name=f"test_{role}", role=role, district=district)
        monkeypatch.setattr(_common, "accounts_enabled", lambda: True)
        monkeypatch.setattr(_common, "current_user", lambda: user)
    return as_role


def open_share() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _decoded(data: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


@pytest.mark.parametrize("role, district", [("city_officer", None), ("district_officer", "柯桥区"), ("admin", None)])
def test_officers_get_the_link_qr_code_and_poster_of_PUBLIC_URL(sign_in, monkeypatch, role, district):
    monkeypatch.setenv("PUBLIC_URL", "https://zice.sx.gov.cn")
    sign_in(role, district)
    at = open_share()
    assert at.title[0].value == t("share.page.title")
    assert [c.value for c in at.code] == ["https://zice.sx.gov.cn/"]
    assert not at.warning                                        # the address is configured
    downloads = {b.proto.label: b for b in at.get("download_button")}
    assert set(downloads) == {t("share.page.download_qr"), t("share.page.download_poster_png"),
                              t("share.page.download_poster_pdf")}
    assert len(at.get("image")) == 2


def test_the_images_shown_are_made_from_PUBLIC_URL_and_decode_back_to_it(sign_in, monkeypatch):
    made = []
    for name in ("qr_png", "poster_png", "poster_pdf"):
        real = getattr(share, name)
        monkeypatch.setattr(share, name, lambda url, *a, _real=real, _name=name, **k:
                            made.append((_name, url, _real(url, *a, **k))) or made[-1][2])
    monkeypatch.setenv("PUBLIC_URL", "https://sx.gov.cn/zice")
    sign_in("city_officer")
    open_share()
    by_name = {name: data for name, _, data in made}      # (the poster draws its QR code with qr_png too)
    assert {url for _, url, _ in made} == {"https://sx.gov.cn/zice/"}
    assert set(by_name) == {"qr_png", "poster_png", "poster_pdf"}
    assert _decoded(made[0][2]) == ["https://sx.gov.cn/zice/"]
    assert _decoded(by_name["poster_png"]) == ["https://sx.gov.cn/zice/"]
    assert by_name["poster_pdf"].startswith(b"%PDF")


def test_without_PUBLIC_URL_the_page_says_to_set_it(sign_in, monkeypatch):
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    sign_in("city_officer")
    at = open_share()
    # AppTest has no browser address to fall back on: one sentence naming the variable, nothing else
    assert len(at.error) == 1 and "PUBLIC" in at.error[0].value and "https" in at.error[0].value
    assert not at.code and not at.get("download_button")


def test_a_bad_PUBLIC_URL_is_one_sentence(sign_in, monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "zice.sx.gov.cn")
    sign_in("city_officer")
    at = open_share()
    assert len(at.error) == 1 and "zice" in at.error[0].value and "PUBLIC" in at.error[0].value
    assert not at.code


@pytest.mark.parametrize("role", [None, "leader"])
def test_visitors_and_leaders_cannot_open_it(sign_in, monkeypatch, role):
    monkeypatch.setenv("PUBLIC_URL", "https://zice.sx.gov.cn")
    sign_in(role)
    at = open_share()
    assert not at.code and not at.get("download_button")
    assert PAGE not in [s.path for s in _registry.visible_pages(
        None if role is None else SimpleNamespace(name="x", role=role, district=None), True)]
