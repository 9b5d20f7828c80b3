"""宣传推广 (officers): the self-check's link, its QR code and an A4 poster to print, all made on
this server (core.share; notice 四、四 加强宣传). The public address is PUBLIC_URL; without it, the
address this page was opened at, and the page says so."""
import datetime as dt
from urllib.parse import urlsplit, urlunsplit

import streamlit as st

from core import share
from core.i18n import t
from pages._common import as_of, lang, plain, require_role
from pages._registry import ROSTER_ROLES

require_role(*ROSTER_ROLES)
PAGE_PATH = "share"          # this page's url_path (st.Page of pages/share.py)


def _t(key: str, **fmt) -> str:
    return t(f"share.page.{key}", lang(), **fmt)


def _address_in_use() -> str | None:
    """The app's address as this browser reached it (this page's address without the page)."""
    try:
        url = st.context.url
    except Exception:  # no browser request (unit tests)
        return None
    if not url:
        return None
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if path.endswith("/" + PAGE_PATH):
        path = path[: -len(PAGE_PATH) - 1]
    return urlunsplit((parts.scheme, parts.netloc, path + "/", "", ""))


@st.cache_data(show_spinner=False, max_entries=16)
def _qr(url: str) -> bytes:
    return share.qr_png(url, scale=8)


@st.cache_data(show_spinner=False, max_entries=8)
def _poster(url: str, language: str, day: dt.date, kind: str) -> bytes:
    return (share.poster_pdf if kind == "pdf" else share.poster_png)(url, language, day)


st.title(_t("title"))
st.write(_t("intro"))
try:
    url, configured = share.public_url(fallback=_address_in_use(), lang=lang())
except share.ShareError as refused:
    st.error(plain(str(refused)))
    st.stop()
if not configured:
    st.warning(_t("not_configured", variable=share.URL_VARIABLE), icon=":material/warning:")

st.subheader(_t("link_title"), anchor=False)
st.code(url, language=None)
st.caption(_t("link_help"))

qr_col, poster_col = st.columns([2, 3], gap="large")
with qr_col:
    st.subheader(_t("qr_title"), anchor=False)
    qr = _qr(url)
    st.image(qr, caption=_t("qr_caption"), width=260)
    st.download_button(_t("download_qr"), qr, file_name="self-check-qr.png", mime="image/png", key="share_qr",
                       icon=":material/qr_code_2:")
with poster_col:
    st.subheader(_t("poster_title"), anchor=False)
    day = as_of() or dt.date.today()
    try:
        png = _poster(url, lang(), day, "png")
    except share.ShareError as refused:      # no Chinese font on the server: said, the rest still works
        st.error(plain(str(refused)))
        png = None
    if png is not None:
        st.image(png, caption=_t("poster_caption"), width=360)
        st.download_button(_t("download_poster_png"), png, file_name="self-check-poster.png", mime="image/png",
                           key="share_poster_png", icon=":material/image:")
        st.download_button(_t("download_poster_pdf"), _poster(url, lang(), day, "pdf"),
                           file_name="self-check-poster.pdf", mime="application/pdf", key="share_poster_pdf",
                           icon=":material/picture_as_pdf:")
