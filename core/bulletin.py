"""The bulletin (通报) of a period for the joint meetings (notice 四、一: 定期通报工作进展): the districts
ranked by progress against their targets, a chart of it, and the districts that have held no
recruitment fair this year. A Word document (python-docx); the chart is a PNG drawn here with
matplotlib (Agg, no display), in a CJK font of the machine when there is one (fonts-noto-cjk).

Progress is counted as core.report counts it (core.db.report_queries: each person once, by the
earliest first employment). A district without a target entered for the year is listed after
the ranked ones, by the number of people.
"""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd

from core import reference
from core.i18n import join_enum, t

CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC", "SimHei")


def _b(key: str, lang: str, **fmt) -> str:
    return t(f"reports.bulletin.{key}", lang, **fmt)


def ranking(year: int, month: int = 12) -> pd.DataFrame:
    """district, people (year to the end of ``month``), target, completion (None without a
    target), rank (1 = furthest ahead; None without a target), in the bulletin's order."""
    from core.db import report_queries as rq
    from core.report import hires_by_period, targets_of, with_helped_now

    groups = with_helped_now(rq.new_hire_groups(int(year)))
    rows = []
    for d in reference.districts()["name"]:
        done = hires_by_period(groups, month, d)["year_to_date"]["total"]
        target = targets_of(year, d)["total"]
        rows.append({"district": d, "people": done, "target": target,
                     "completion": None if not target else done / target})
    f = pd.DataFrame(rows)
    has = f["completion"].notna()
    ranked = f[has].sort_values(["completion", "people"], ascending=False, kind="stable")
    rest = f[~has].sort_values("people", ascending=False, kind="stable")
    ranked = ranked.assign(rank=range(1, len(ranked) + 1))
    out = pd.concat([ranked, rest.assign(rank=None)], ignore_index=True)
    out["rank"] = out["rank"].astype("Int64")
    return out


def no_fair(year: int, month: int = 12) -> list[str]:
    """Districts that held no counted recruitment fair this year up to the end of ``month``."""
    from core.db.events import fairs_frame
    from core.db.stored_progress import without_demo
    from core.enterprise import districts_without_fair

    fairs = without_demo(fairs_frame(int(year)), include_demo=False)
    if len(fairs):
        fairs = fairs[(pd.to_datetime(fairs["date"]).dt.month <= month).to_numpy(dtype=bool)]
    return districts_without_fair(fairs, int(year))


def _font():
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in names:
            return name
    return None


def chart_png(table: pd.DataFrame, lang: str = "zh") -> bytes:
    """Horizontal bars: each district's people against its target (a lighter bar behind)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    font = _font()
    fig = Figure(figsize=(6.4, 3.6), dpi=150)
    ax = fig.subplots()
    order = table.iloc[::-1]
    y = range(len(order))
    targets = pd.to_numeric(order["target"], errors="coerce").fillna(0)
    ax.barh(list(y), targets.tolist(), color="#D6E2F0", label=_b("chart_target", lang))
    ax.barh(list(y), order["people"].tolist(), height=0.5, color="#2F6DB5", label=_b("chart_people", lang))
    ax.set_yticks(list(y), order["district"].tolist(), **({"fontfamily": font} if font else {}))
    for i, (n, c) in enumerate(zip(order["people"], order["completion"])):
        label = f"{n}" if pd.isna(c) else f"{n} ({c * 100:.0f}%)"
        ax.annotate(label, (n, i), xytext=(3, -3), textcoords="offset points", fontsize=8)
    prop = {"family": font} if font else None
    ax.legend(loc="lower right", prop=prop, fontsize=8)
    ax.set_xlabel(_b("chart_unit", lang), **({"fontfamily": font} if font else {}))
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def bulletin_docx(year: int, month: int | None = None, lang: str = "zh", issued_on: dt.date | None = None) -> bytes:
    """The bulletin of ``year`` up to the end of ``month`` (None: the whole year) as .docx bytes."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    month = int(month or 12)
    table = ranking(year, month)
    missing = no_fair(year, month)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(11)
    period = _b("period_year", lang, year=year) if month == 12 else _b("period", lang, year=year, month=month)
    title = doc.add_heading(_b("title", lang, period=period), level=1)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(_b("issued", lang, day=(issued_on or dt.date.today()).isoformat()))

    total = int(table["people"].sum())
    from core.report import targets_of

    city_target = targets_of(year, None)["total"]
    doc.add_heading(_b("section_progress", lang), level=2)
    doc.add_paragraph(_b("city_line", lang, period=period, people=total) + (
        _b("city_target", lang, target=city_target, pct=f"{total / city_target * 100:.1f}") if city_target else ""))
    grid = doc.add_table(rows=1, cols=5)
    grid.style = "Table Grid"
    for cell, key in zip(grid.rows[0].cells, ("rank", "district", "people", "target", "completion")):
        cell.text = _b(f"col.{key}", lang)
    for r in table.itertuples(index=False):       # six districts
        cells = grid.add_row().cells
        cells[0].text = "" if pd.isna(r.rank) else str(int(r.rank))
        cells[1].text = r.district
        cells[2].text = str(int(r.people))
        cells[3].text = "" if r.target is None or pd.isna(r.target) else str(int(r.target))
        cells[4].text = _b("no_target", lang) if r.completion is None or pd.isna(r.completion) \
            else f"{r.completion * 100:.1f}%"
    doc.add_paragraph()
    doc.add_picture(io.BytesIO(chart_png(table, lang)), width=Cm(15))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(_b("chart_caption", lang, period=period)).alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading(_b("section_fairs", lang), level=2)
    doc.add_paragraph(_b("no_fair", lang, districts=join_enum(missing, lang), year=year) if missing
                      else _b("all_fairs", lang, year=year))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
