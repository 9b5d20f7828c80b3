"""Altair charts of the leadership dashboard, and the small tables they are drawn from.

No Streamlit here: each ``*_table`` function turns engine output (``core.progress`` dicts and
frames) into a tidy DataFrame, and each ``*_chart`` function turns that into an Altair chart with
Chinese labels, tooltips and a palette whose colours differ in lightness, so they still read when
printed in black and white. Charts built from the synthetic demo dataset (``demo=True``) carry the
label 示例数据 in their title.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from core import i18n
from core.enterprise import fairs_per_district
from core.progress import KEYS
from core.reference import districts
from core.reference_names import shown_all, shown_column
from core.items import ITEMS

# people are whole: no 0.5 人 ticks; a few ticks, so that narrow charts on phones do not run
# their labels together ("220240")
PEOPLE_AXIS = alt.Axis(tickMinStep=1, format=",d", labelOverlap="greedy", tickCount=5)

# Okabe-Ito colours (safe for colour-blind readers), ordered so that neighbours in a stack differ in
# lightness and stay apart when printed in black and white (tests/test_charts.py checks this).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#F0E442", "#D55E00", "#56B4E9")
ACTUAL_COLOR = "#1F3B73"     # dark: the figure achieved
TARGET_COLOR = "#D9D9D9"     # light grey: the range up to the target
FLAG_COLOR = "#C0392B"       # a district with no recruitment fair

MEASURES = KEYS                                   # total, paired_four, other_central_western, sichuan_helped
COUNTED = ("paired_four", "other_central_western")   # the two that add up to the city total
FONT = "WenQuanYi Micro Hei, Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"


def _t(key: str, lang: str, **fmt) -> str:
    return i18n.t(f"ui.chart.{key}", lang, **fmt)


def _title(text: str, demo: bool, lang: str) -> alt.TitleParams:
    if demo:   # the demo tag leads the subtitle: the title itself stays short enough for a phone
        return alt.TitleParams(text=text, subtitle=i18n.t("ui.common.pair", lang, label=_t("demo", lang),
                                                          value=_t("demo_note", lang)),
                               anchor="start", font=FONT, subtitleFont=FONT, subtitleColor="#A04000")
    return alt.TitleParams(text=text, anchor="start", font=FONT)


def _style(chart: alt.Chart) -> alt.Chart:
    # aria=False: no generated English descriptions ("X-axis titled …", field names) on the marks
    return chart.configure(aria=False).configure_axis(labelFont=FONT, titleFont=FONT, labelFontSize=12, titleFontSize=12) \
        .configure_legend(labelFont=FONT, titleFont=FONT, orient="bottom") \
        .configure_text(font=FONT) \
        .configure_view(strokeWidth=0)


def district_order(lang: str = "zh") -> list[str]:
    """The districts in reference order, named in ``lang`` (what the charts' axes show)."""
    return shown_all(districts()["name"].tolist(), lang)


def _with_labels(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``district_label``: the district (the Chinese name the data keys on) as shown in ``lang``."""
    table["district_label"] = shown_column(table["district"], lang) if len(table) else table["district"]
    return table


# ----------------------------------------------------------------------------------------------
# progress against the targets

def target_table(progress: dict, lang: str = "zh") -> pd.DataFrame:
    """One row per target: measure, label, actual, target (NA when none is set), percent of the
    target reached (NA when no target) and the label text shown next to the bar."""
    city = progress.get("city", {}) or {}
    targets = progress.get("targets", {}) or {}
    rows = []
    for m in MEASURES:
        actual = int(city.get(m, 0) or 0)
        target = targets.get(m)
        target = int(target) if target is not None else None
        pct = round(100.0 * actual / target, 1) if target else None
        if target is None:
            text = _t("no_target_text", lang, actual=f"{actual:,}")
        else:
            text = _t("progress_text", lang, actual=f"{actual:,}", target=f"{target:,}", pct=f"{pct:.1f}")
        rows.append({"measure": m, "label": _t(f"measure_short.{m}", lang), "actual": actual,
                     "target": target, "percent": pct, "text": text})
    out = pd.DataFrame(rows)
    out["target"] = out["target"].astype("Int64")
    out["percent"] = out["percent"].astype("Float64")
    return out


def target_chart(progress: dict, demo: bool = False, lang: str = "zh") -> alt.Chart:
    """Bullet chart: a light bar up to the target, a dark bar for the figure reached, a black tick
    at the target; the measure and its figures are written above each bar (so that the bars keep
    the whole width, also on a phone)."""
    data = target_table(progress, lang)
    data["caption"] = data["label"] + "  " + data["text"]
    data["target_or_actual"] = data["target"].astype("Float64").fillna(data["actual"].astype("Float64"))
    data = data.astype({"target": "float64", "percent": "float64", "target_or_actual": "float64"})
    y = alt.Y("label:N", sort=data["label"].tolist(), title=None, axis=None)
    tooltip = [alt.Tooltip("label:N", title=_t("tt.measure", lang)),
               alt.Tooltip("actual:Q", title=_t("tt.actual", lang), format=","),
               alt.Tooltip("target:Q", title=_t("tt.target", lang), format=","),
               alt.Tooltip("percent:Q", title=_t("tt.percent", lang), format=".1f")]
    base = alt.Chart(data).encode(y=y, tooltip=tooltip)
    band = base.mark_bar(color=TARGET_COLOR, size=20).encode(
        x=alt.X("target_or_actual:Q", title=_t("people", lang), axis=PEOPLE_AXIS))
    bar = base.mark_bar(color=ACTUAL_COLOR, size=10).encode(x="actual:Q")
    tick = base.transform_filter("isValid(datum.target)").mark_tick(
        color="#000000", thickness=3, size=26).encode(x="target:Q")
    text = base.mark_text(align="left", baseline="bottom", dy=-12, fontSize=13, color="#000000").encode(
        x=alt.value(0), text="caption:N")
    chart = alt.layer(band, bar, tick, text).properties(
        title=_title(_t("targets_title", lang, year=progress.get("year", "")), demo, lang),
        height=alt.Step(58))
    return _style(chart)


# ----------------------------------------------------------------------------------------------
# by district, stacked by category

def district_table(progress: dict, lang: str = "zh") -> pd.DataFrame:
    """district (and district_label, as shown in lang), category, category label, count: the two
    counted categories per district, in the districts' reference order (districts with no one included, with 0)."""
    by = progress.get("by_district", {}) or {}
    names = district_order() + [d for d in by if d not in district_order()]
    rows = [{"district": d, "category": c, "category_label": _t(f"measure.{c}", lang), "stack": k,
             "count": int((by.get(d) or {}).get(c, 0) or 0)} for d in names for k, c in enumerate(COUNTED)]
    return _with_labels(pd.DataFrame(rows), lang)


def district_chart(progress: dict, demo: bool = False, lang: str = "zh") -> alt.Chart:
    data = district_table(progress, lang)
    labels = [_t(f"measure.{c}", lang) for c in COUNTED]
    totals = data.groupby("district_label", sort=False, as_index=False)["count"].sum()
    y = alt.Y("district_label:N", sort=district_order(lang), title=None)
    bars = alt.Chart(data).mark_bar(stroke="#FFFFFF", strokeWidth=1).encode(
        y=y,
        x=alt.X("sum(count):Q", title=_t("people", lang), stack="zero", axis=PEOPLE_AXIS),
        color=alt.Color("category_label:N", title=_t("category", lang),
                        scale=alt.Scale(domain=labels, range=list(PALETTE[:2]))),
        order=alt.Order("stack:Q"),
        tooltip=[alt.Tooltip("district_label:N", title=_t("tt.district", lang)),
                 alt.Tooltip("category_label:N", title=_t("category", lang)),
                 alt.Tooltip("count:Q", title=_t("tt.people", lang), format=",")])
    text = alt.Chart(totals).mark_text(align="left", dx=4, color="#000000").encode(
        y=y, x="count:Q", text=alt.Text("count:Q", format=","))
    chart = alt.layer(bars, text).properties(
        title=_title(_t("district_title", lang, year=progress.get("year", "")), demo, lang),
        height=alt.Step(34))
    return _style(chart)


# ----------------------------------------------------------------------------------------------
# cumulative new hires by month against the target

def cumulative_table(monthly: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """month (1..12), new hires that month and the running total (counted categories only)."""
    m = monthly[monthly["category"].isin(COUNTED)] if len(monthly) else monthly
    per = (m.groupby("month")["count"].sum() if len(m) else pd.Series(dtype="int64"))
    per = per.reindex(range(1, 13), fill_value=0).astype("int64")
    out = pd.DataFrame({"month": per.index.astype("int64"), "new": per.to_numpy()})
    out["cumulative"] = out["new"].cumsum()
    out["month_label"] = [_t("month", lang, m=m) for m in out["month"]]
    return out


def cumulative_chart(monthly: pd.DataFrame, target: int | None, year: int, demo: bool = False,
                     lang: str = "zh") -> alt.Chart:
    data = cumulative_table(monthly, lang)
    # bare month numbers under the axis title 月份: "9月10月11月12月" ran together on phones
    x = alt.X("month:O", title=_t("month_axis", lang), axis=alt.Axis(labelAngle=0, labelOverlap="parity"))
    tooltip = [alt.Tooltip("month_label:N", title=_t("tt.month", lang)),
               alt.Tooltip("new:Q", title=_t("tt.new", lang), format=","),
               alt.Tooltip("cumulative:Q", title=_t("tt.cumulative", lang), format=",")]
    # a legend says which is which: the grey bars each month's new hires, the line the running total
    new, running = _t("tt.new", lang), _t("tt.cumulative", lang)
    data = data.assign(bars=new, line=running)
    series = alt.Scale(domain=[new, running], range=[TARGET_COLOR, ACTUAL_COLOR])
    bars = alt.Chart(data).mark_bar().encode(
        x=x, y=alt.Y("new:Q", title=_t("people", lang), axis=PEOPLE_AXIS), tooltip=tooltip,
        color=alt.Color("bars:N", scale=series, legend=alt.Legend(title=None)))
    line = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(color=ACTUAL_COLOR, size=40), strokeWidth=2.5).encode(
        x=x, y="cumulative:Q", tooltip=tooltip, color=alt.Color("line:N", scale=series, legend=alt.Legend(title=None)))
    layers = [bars, line]
    if target is not None:
        tdf = pd.DataFrame({"target": [int(target)], "text": [_t("target_line", lang, target=f"{int(target):,}")]})
        layers.append(alt.Chart(tdf).mark_rule(color="#000000", strokeDash=[6, 4], strokeWidth=2)
                      .encode(y="target:Q", tooltip=[alt.Tooltip("text:N", title=_t("tt.target", lang))]))
        layers.append(alt.Chart(tdf).mark_text(align="left", baseline="bottom", dy=-4, x=4, color="#000000")
                      .encode(y="target:Q", text="text:N"))
    chart = alt.layer(*layers).properties(
        title=_title(_t("cumulative_title", lang, year=year), demo, lang), height=300)
    return _style(chart)


# ----------------------------------------------------------------------------------------------
# subsidy amounts by item and district

def amounts_table(amounts: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """district (and district_label), item, item label, amount (yuan), dropping zero amounts."""
    if amounts is None or not len(amounts):
        return pd.DataFrame({"district": [], "item": [], "item_label": [], "amount": [], "stack": [], "wan": [],
                             "district_label": []})
    out = amounts[["district", "item", "amount"]].copy()
    out["amount"] = pd.to_numeric(out["amount"], errors="coerce").fillna(0).astype("int64")
    out = out[out["amount"] > 0]
    out["item_label"] = out["item"].map({i: i18n.t(f"ui.items.{i}", lang) for i in ITEMS}).fillna(out["item"])
    out["stack"] = out["item"].map({i: k for k, i in enumerate(ITEMS)}).fillna(len(ITEMS)).astype("int64")
    out["wan"] = out["amount"] / 10000.0
    return _with_labels(out.reset_index(drop=True), lang)


def amounts_chart(amounts: pd.DataFrame, demo: bool = False, lang: str = "zh", year: int | None = None) -> alt.Chart:
    data = amounts_table(amounts, lang)
    # The legend lists only the items that have money (企业社会保险补贴 has none while its local
    # standard is unset); each item keeps its own colour whichever items are present.
    present = set(data["item"])
    shown = [k for k, i in enumerate(ITEMS) if i in present] or list(range(len(ITEMS)))
    labels = [i18n.t(f"ui.items.{ITEMS[k]}", lang) for k in shown]
    chart = alt.Chart(data).mark_bar(stroke="#FFFFFF", strokeWidth=1).encode(
        y=alt.Y("district_label:N", sort=district_order(lang), title=None),
        x=alt.X("sum(wan):Q", title=_t("wan_yuan", lang), axis=alt.Axis(labelOverlap="greedy", tickCount=5)),
        color=alt.Color("item_label:N", title=_t("item", lang),
                        scale=alt.Scale(domain=labels, range=[PALETTE[k] for k in shown]),
                        legend=alt.Legend(columns=2, labelLimit=220, symbolType="square")),
        order=alt.Order("stack:Q"),
        tooltip=[alt.Tooltip("district_label:N", title=_t("tt.district", lang)),
                 alt.Tooltip("item_label:N", title=_t("item", lang)),
                 alt.Tooltip("sum(amount):Q", title=_t("tt.amount", lang), format=",")],
    )
    title = _t("amounts_title_year", lang, year=year) if year is not None else _t("amounts_title", lang)
    chart = chart.properties(title=_title(title, demo, lang), height=alt.Step(34))
    return _style(chart)


# ----------------------------------------------------------------------------------------------
# recruitment fairs per district

def fairs_table(fairs: pd.DataFrame, year: int, lang: str = "zh") -> pd.DataFrame:
    """district, fairs (distinct fairs held that year in the four paired provinces), own_county (of
    them, in the district's own paired county), enterprises, none (bool), status text:
    core.enterprise.fairs_per_district, in the charts' district order."""
    counted = fairs_per_district(fairs, year).set_index("district")
    out = pd.DataFrame({"district": district_order()})
    out["fairs"] = out["district"].map(counted["fairs"]).fillna(0).astype("int64")
    out["own_county"] = out["district"].map(counted["own_county"]).fillna(0).astype("int64")
    out["enterprises"] = out["district"].map(counted["attendances"]).fillna(0).astype("int64")   # 家次
    out["none"] = out["district"].map(counted["below_minimum"]).fillna(True).astype(bool)
    out["status"] = out["none"].map({True: _t("fair_none", lang), False: _t("fair_held", lang)})
    return _with_labels(out, lang)


def fairs_chart(fairs: pd.DataFrame, year: int, demo: bool = False, lang: str = "zh") -> alt.Chart:
    data = fairs_table(fairs, year, lang)
    status_domain = [_t("fair_held", lang), _t("fair_none", lang)]
    y = alt.Y("district_label:N", sort=district_order(lang), title=None)
    tooltip = [alt.Tooltip("district_label:N", title=_t("tt.district", lang)),
               alt.Tooltip("fairs:Q", title=_t("tt.fairs", lang)),
               alt.Tooltip("own_county:Q", title=_t("tt.own_county", lang)),
               alt.Tooltip("enterprises:Q", title=_t("tt.enterprises", lang)),
               alt.Tooltip("status:N", title=_t("tt.status", lang))]
    bars = alt.Chart(data).mark_bar().encode(
        y=y, x=alt.X("fairs:Q", title=_t("fairs_axis", lang), axis=alt.Axis(tickMinStep=1, format="d"),
                     scale=alt.Scale(domain=[0, int(data["fairs"].max()) + 1])),
        color=alt.Color("status:N", title=None, scale=alt.Scale(domain=status_domain, range=[ACTUAL_COLOR, FLAG_COLOR])),
        tooltip=tooltip)
    flag_text = alt.Chart(data).mark_text(align="left", dx=6, fontWeight="bold").encode(
        y=y, x="fairs:Q",
        text=alt.condition("datum.none", alt.value(_t("fair_none_flag", lang)), alt.Text("fairs:Q")),
        color=alt.condition("datum.none", alt.value(FLAG_COLOR), alt.value("#000000")))
    chart = alt.layer(bars, flag_text).properties(
        title=_title(_t("fairs_title", lang, year=year), demo, lang), height=alt.Step(34))
    return _style(chart)


# ----------------------------------------------------------------------------------------------
# the pairing table

def pairing_table(lang: str = "zh") -> pd.DataFrame:
    """Each Shaoxing district and the county it is paired with (notice, 二)."""
    d = districts()
    return pd.DataFrame({
        _t("pair.district", lang): shown_column(d["name"], lang).to_numpy(),
        _t("pair.county", lang): shown_column(d["paired_county"], lang).to_numpy(),
        _t("pair.prefecture", lang): shown_column(d["paired_prefecture"], lang).to_numpy(),
    })
