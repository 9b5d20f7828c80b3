"""Publicity for the self-check (notice 四、四 加强宣传): its public address, a QR code for it and
a printable A4 poster with the QR code and the notice's amounts.

Everything is made on the server: the QR code by ``segno``, the poster by Pillow with a Chinese
font found on the machine (fonts-noto-cjk; ``SHAOXING_POSTER_FONT`` names another). The amounts
are read from the policy data (``core.reference``), never written here. No streamlit import.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import segno
from PIL import Image, ImageDraw, ImageFont

from core import reference
from core.i18n import join_enum, t
from core.reference_names import shown

log = logging.getLogger(__name__)

URL_VARIABLE = "PUBLIC_URL"
FONT_VARIABLE = "SHAOXING_POSTER_FONT"
# where Debian's fonts-noto-cjk and a few other Chinese fonts are installed
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
A4_MM = (210, 297)
DPI = 200
A4_PX = tuple(round(mm / 25.4 * DPI) for mm in A4_MM)      # 1654 x 2339


class ShareError(ValueError):
    """One sentence for the user (catalog ``share.*``)."""


def public_url(environ=None, fallback: str | None = None, lang: str = "zh") -> tuple[str, bool]:
    """(the self-check's public address, whether it was configured). ``PUBLIC_URL`` is the
    address people reach the app at (behind nginx: the https address); without it, ``fallback``
    (the address the page was opened at). The self-check is the app's first page, at its root."""
    environ = os.environ if environ is None else environ
    configured = (environ.get(URL_VARIABLE) or "").strip()
    base = configured or (fallback or "").strip()
    if not base:
        raise ShareError(t("share.no_url", lang, variable=URL_VARIABLE))
    return self_check_url(base, lang), bool(configured)


def self_check_url(base: str, lang: str = "zh") -> str:
    """The address of the self-check from the app's address (the self-check is its first page, at
    its root): http(s), host and the app's path kept, query and fragment dropped, ending in "/"."""
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in base):
        raise ShareError(t("share.bad_url", lang, url=base, variable=URL_VARIABLE))
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path}/"


def qr_png(url: str, scale: int = 10) -> bytes:
    """The QR code of ``url`` as PNG (error correction M: still read with a smudge or a fold)."""
    buf = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def _qr_image(url: str, size: int) -> Image.Image:
    """The QR code at the largest whole number of pixels per module that fits ``size``."""
    modules = segno.make(url, error="m", micro=False).symbol_size(scale=1, border=4)[0]
    return Image.open(io.BytesIO(qr_png(url, scale=max(1, size // modules)))).convert("RGB")


@dataclass(frozen=True)
class Font:
    path: str
    index: int


@lru_cache(maxsize=1)
def find_font(environ_font: str | None = None) -> Font | None:
    """A font with Chinese characters (Simplified Chinese face of a collection when there is one),
    or None when the machine has none."""
    for path in ([environ_font] if environ_font else []) + list(FONT_CANDIDATES):
        if not path or not Path(path).is_file():
            continue
        best = None
        for index in range(8):
            try:
                family = ImageFont.truetype(path, 20, index=index).getname()[0]
            except OSError:
                break
            if best is None:
                best = index
            if " SC" in family or family.endswith("SC"):
                best = index
                break
        if best is not None:
            return Font(path, best)
    return None


def poster_lines(lang: str = "zh", as_of: dt.date | None = None) -> dict[str, list[str]]:
    """The poster's texts, the amounts read from the policy data: title, lead, one line per item,
    deadline (and that claims closed when they have), the scan line and the footer."""
    policy = reference.policy()
    as_of = as_of or dt.date.today()
    deadline = policy["claim_deadline"]
    day = t("share.date", lang, y=deadline.year, m=deadline.month, d=deadline.day)
    # RULES.md, who is covered: 建档立卡 from the paired provinces, first came inside the window
    short = dict(zip(reference.provinces()["code"], reference.provinces()["short"]))
    provinces = join_enum([shown(short.get(str(c), str(c)), lang) for c in policy["paired_provinces"]], lang)
    start, end = (t("share.date", lang, y=d.year, m=d.month, d=d.day) for d in (policy.start, policy.end))
    items = [
        t("share.poster.stabilization", lang, months=policy["stabilization.min_social_insurance_months"],
          amount=_money(policy["stabilization.amount"])),
        t("share.poster.family_visit", lang, months=policy["family_visit.min_continuous_months"],
          amount=_money(policy["family_visit.amount"])),
        t("share.poster.skill_training", lang, junior=_money(policy["skill_training.cap_junior"]),
          intermediate=_money(policy["skill_training.amount_intermediate"]),
          senior=_money(policy["skill_training.amount_senior"])),
        t("share.poster.rent", lang, monthly=_money(policy["rent.monthly"]), most=policy["max_subsidy_months"]),
    ]
    when = [t("share.poster.deadline", lang, date=day)]
    if as_of > deadline:
        when.append(t("share.poster.closed", lang))
    return {
        "title": [t("share.poster.title", lang)],
        "document": [t("share.poster.document", lang, document=policy.document)],
        "lead": t("share.poster.lead", lang, provinces=provinces, start=start, end=end).split("\n"),
        "items": items,
        "when": when,
        "scan": [t("share.poster.scan", lang)],
        "footer": [t("share.poster.footer", lang), t("share.poster.ask", lang)],
    }


def _money(value) -> str:
    return f"{int(value):,}"


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """Lines of ``text`` no wider than ``width`` (Chinese breaks between any two characters)."""
    lines, line = [], ""
    for ch in text:
        if draw.textlength(line + ch, font=font) > width and line:
            lines.append(line)
            line = ch.lstrip()
        else:
            line += ch
    return lines + ([line] if line else [])


def poster_png(url: str, lang: str = "zh", as_of: dt.date | None = None) -> bytes:
    """An A4 poster (portrait, 200 dpi) as PNG: title, the amounts, the deadline, the QR code of
    ``url`` with the address written under it, and where to ask."""
    return _encode(poster_image(url, lang, as_of), "PNG")


def poster_pdf(url: str, lang: str = "zh", as_of: dt.date | None = None) -> bytes:
    """The same poster as a one-page A4 PDF."""
    return _encode(poster_image(url, lang, as_of), "PDF")


def _encode(img: Image.Image, kind: str) -> bytes:
    buf = io.BytesIO()
    if kind == "PDF":
        img.save(buf, "PDF", resolution=DPI)
    else:
        img.save(buf, "PNG", optimize=True, dpi=(DPI, DPI))
    return buf.getvalue()


def poster_image(url: str, lang: str = "zh", as_of: dt.date | None = None) -> Image.Image:
    found = find_font(os.environ.get(FONT_VARIABLE))
    if found is None:
        log.warning("no Chinese font for the poster (install fonts-noto-cjk or set %s)", FONT_VARIABLE)
        raise ShareError(t("share.no_font", lang, variable=FONT_VARIABLE))

    def font(size: int):
        return ImageFont.truetype(found.path, size, index=found.index)

    width, height = A4_PX
    margin = 120
    inner = width - 2 * margin
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    red, ink, grey = (176, 30, 40), (30, 30, 30), (90, 90, 90)
    draw.rectangle([0, 0, width, 28], fill=red)
    texts = poster_lines(lang, as_of)
    y = 120

    def block(lines, size, color, gap=0.45, center=False, bullet=""):
        nonlocal y
        f = font(size)
        indent = round(draw.textlength(bullet, font=f))        # wrapped lines hang under the text
        for text in lines:
            for i, line in enumerate(_wrap(draw, text, f, inner - indent)):
                x = margin + (inner - draw.textlength(line, font=f)) / 2 if center else margin + indent
                if bullet and i == 0:
                    draw.text((margin, y), bullet, font=f, fill=color)
                draw.text((x, y), line, font=f, fill=color)
                y += round(size * 1.35)
            y += round(size * gap)

    block(texts["title"], 88, red, gap=0.2, center=True)
    block(texts["document"], 36, grey, gap=0.9, center=True)
    block(texts["lead"], 44, ink, gap=0.5)
    block(texts["items"], 44, ink, gap=0.35, bullet="● ")
    y += 10
    block(texts["when"], 40, red, gap=0.3)
    qr = _qr_image(url, 720)
    y += 20
    img.paste(qr, ((width - qr.width) // 2, y))
    y += qr.height + 20
    block(texts["scan"], 44, red, gap=0.3, center=True)
    block([url], 36, ink, gap=0.8, center=True)
    y = max(y, height - 300)
    block(texts["footer"], 32, grey, gap=0.2, center=True)
    draw.rectangle([0, height - 28, width, height], fill=red)
    return img
