"""Publicity (notice 四、四): the self-check's address from PUBLIC_URL, a QR code that decodes back
to it, and an A4 poster whose QR code decodes and whose amounts are the policy data's."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import zxingcpp
from PIL import Image

from core import reference, share
from core.i18n import t


def decode(data: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


@pytest.mark.parametrize("given, expected", [
    ("https://zice.sx.gov.cn", "https://zice.sx.gov.cn/"),
    ("https://sx.gov.cn/zice/", "https://sx.gov.cn/zice/"),
    ("http://10.1.2.3:8501/?x=1#top", "http://10.1.2.3:8501/"),
])
def test_the_public_address_comes_from_PUBLIC_URL(given, expected):
    assert share.public_url({"PUBLIC_URL": given}, fallback="http://127.0.0.1:8501") == (expected, True)


def test_without_PUBLIC_URL_the_address_in_use_and_said_so():
    assert share.public_url({}, fallback="http://127.0.0.1:8501/") == ("http://127.0.0.1:8501/", False)
    with pytest.raises(share.ShareError) as refused:
        share.public_url({})
    assert str(refused.value) == t("share.no_url", variable="PUBLIC_URL")


@pytest.mark.parametrize("bad", ["zice.sx.gov.cn", "ftp://sx.gov.cn", "https://", "https://sx gov.cn", "javascript:alert(1)"])
def test_a_public_address_that_is_not_one_gets_one_sentence(bad):
    with pytest.raises(share.ShareError) as refused:
        share.public_url({"PUBLIC_URL": bad})
    assert str(refused.value) == t("share.bad_url", url=bad, variable="PUBLIC_URL")


@pytest.mark.parametrize("url", ["https://zice.sx.gov.cn/", "http://10.1.2.3:8501/shaoxing/"])
def test_the_qr_code_decodes_back_to_the_address(url):
    png = share.qr_png(url)
    assert png.startswith(b"\x89PNG")
    assert decode(png) == [url]


@pytest.fixture(scope="module")
def poster() -> bytes:
    return share.poster_png("https://zice.sx.gov.cn/", as_of=dt.date(2026, 11, 30))


def test_the_poster_is_an_a4_page_whose_qr_code_decodes(poster):
    img = Image.open(io.BytesIO(poster))
    assert img.size == share.A4_PX == (1654, 2339)              # 210 x 297 mm at 200 dpi
    assert abs(img.width / img.height - 210 / 297) < 0.002
    assert decode(poster) == ["https://zice.sx.gov.cn/"]


def test_the_poster_as_pdf_is_one_a4_page():
    pdf = share.poster_pdf("https://zice.sx.gov.cn/", as_of=dt.date(2026, 11, 30))
    assert pdf.startswith(b"%PDF")
    box = [float(v) for v in re.search(rb"/MediaBox \[\s*([\d.\s]+)\]", pdf).group(1).split()]
    assert box[2:] == pytest.approx([595.28, 841.89], abs=0.6)     # A4 in points
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1


def test_the_posters_amounts_are_the_policy_datas(monkeypatch):
    """Change the policy's figures: the poster's lines change with them (nothing written in code)."""
    real = reference.policy()
    figures = {"stabilization.amount": 3456, "family_visit.amount": 6543, "stabilization.min_social_insurance_months": 4,
               "family_visit.min_continuous_months": 11, "skill_training.cap_junior": 1111,
               "skill_training.amount_intermediate": 1777, "skill_training.amount_senior": 2888, "rent.monthly": 555,
               "max_subsidy_months": 30, "claim_deadline": dt.date(2031, 6, 30)}

    class Fake:
        document = real.document
        start, end = real.start, real.end       # the window the lead quotes (RULES.md, who is covered)

        def __getitem__(self, name):
            return figures[name] if name in figures else real[name]

    monkeypatch.setattr(reference, "policy", lambda *a: Fake())
    lines = share.poster_lines(as_of=dt.date(2030, 1, 1))
    text = "\n".join(line for group in lines.values() for line in group)
    for figure in ("3,456", "6,543", "1,111", "1,777", "2,888", "555", "30 个月", "满 4 个月", "满 11 个月", "2031年6月30日"):
        assert figure in text, figure
    assert t("share.poster.closed") not in text                    # claims still open on that day
    assert t("share.poster.closed") in "\n".join(share.poster_lines(as_of=dt.date(2031, 7, 1))["when"])
    assert real.document in text


def test_the_real_poster_lines_quote_the_notice():
    pol = reference.policy()
    items = "\n".join(share.poster_lines(as_of=dt.date(2026, 11, 30))["items"])
    assert f"{pol['stabilization.amount']:,}" in items and f"{pol['rent.monthly']:,}" in items


def test_without_a_chinese_font_the_poster_says_so(monkeypatch):
    monkeypatch.setattr(share, "find_font", lambda *a: None)
    with pytest.raises(share.ShareError) as refused:
        share.poster_png("https://zice.sx.gov.cn/")
    assert str(refused.value) == t("share.no_font", variable="SHAOXING_POSTER_FONT")


def test_the_font_found_is_a_simplified_chinese_face():
    found = share.find_font()
    assert found is not None, "fonts-noto-cjk is installed on this machine (.ci/run)"
    from PIL import ImageFont
    family = ImageFont.truetype(found.path, 20, index=found.index).getname()[0]
    assert "SC" in family or "CJK" not in family


def test_the_english_poster_names_the_provinces_in_english():
    from core.share import poster_lines

    lead = " ".join(poster_lines("en")["lead"])
    assert all(name in lead for name in ("Jilin", "Hubei", "Sichuan", "Guizhou"))
    assert "四川" not in lead
    assert "四川" in " ".join(poster_lines("zh")["lead"])
