"""The monthly statistics table (统计报表, notice 四、三: 按时上报统计调查等数据报表) of a district or
of the city: people newly employed in the month and in the year so far by category (四省 / 其他
中西部 / 四川受帮扶地区) against the year's targets, items due and paid by item, recruitment fairs
and their enterprises, follow-up services given by kind. The figures come from SQL aggregates
(core.db.report_queries) and the fair records (core.enterprise), so the table is as quick over a
million stored rows as over a hundred.

``monthly_report`` gives the object ``python -m core report --format json`` prints;
``to_xlsx_bytes`` lays it out as such tables are filed: a title row, 填报单位 and 填报日期, a unit
for each table (人 / 元 / 场 / 家次 / 人次).
"""
from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd

from core import reference
from core.cells import WORKBOOK_OPTIONS, safe_text
from core.i18n import t
from core.items import ITEM, ITEMS
from core.progress import KEYS, helped_now

PERIODS = ("month", "year_to_date")


def _counts(groups: pd.DataFrame) -> dict:
    cat = groups["category"].astype(object)
    n = groups["n"].to_numpy(dtype=np.int64)
    paired = int(n[(cat == "paired_four").to_numpy()].sum())
    other = int(n[(cat == "other_central_western").to_numpy()].sum())
    return {"total": paired + other, "paired_four": paired, "other_central_western": other,
            "sichuan_helped": int(n[groups["sichuan_helped"].to_numpy(dtype=bool)].sum())}


def hires_by_period(groups: pd.DataFrame, month: int, district: str | None = None) -> dict:
    """{"month": counts, "year_to_date": counts} of ``district`` (None: the city)."""
    g = groups
    if district:
        g = g[(g["work_district"] == district).fillna(False).to_numpy(dtype=bool)]
    m = g["month"].astype("Int64")
    return {"month": _counts(g[(m == month).fillna(False).to_numpy(dtype=bool)]),
            "year_to_date": _counts(g[(m <= month).fillna(False).to_numpy(dtype=bool)])}


def with_helped_now(groups: pd.DataFrame) -> pd.DataFrame:
    """The groups with 四川受帮扶地区 decided by today's list of helped counties (core.progress)."""
    if not len(groups):
        return groups
    frame = groups.assign(id_number_masked="")
    return groups.assign(sichuan_helped=helped_now(frame).to_numpy(dtype=bool))


def completion(done: dict, targets: dict | None) -> dict:
    """Each measure's share of its target (0.0-…), None where there is no target."""
    out = {}
    for k in KEYS:
        target = (targets or {}).get(k)
        out[k] = None if not target else round(done[k] / target, 4)
    return out


def targets_of(year: int, district: str | None) -> dict:
    """The year's targets of the city (the notice's for 2018, else an administrator's) or of a
    district (an administrator's); every measure None where none was set."""
    from core.db.targets import get_targets

    got = get_targets(year, district) or {}
    return {k: got.get(k) for k in KEYS}


def fair_figures(fairs: pd.DataFrame, year: int, month: int, district: str | None) -> dict:
    """Fairs held in the four paired provinces and their enterprises (家次: once per fair), in the
    month and in the year to its end (core.enterprise.fairs_per_district)."""
    from core.enterprise import fairs_per_district

    out = {}
    dates = pd.to_datetime(fairs["date"]) if len(fairs) else pd.Series(dtype="datetime64[ns]")
    for period in PERIODS:
        if len(fairs):
            keep = (dates.dt.month == month) if period == "month" else (dates.dt.month <= month)
            sub = fairs[(keep & (dates.dt.year == year)).to_numpy(dtype=bool)]
        else:
            sub = fairs
        table = fairs_per_district(sub, year)
        if district:
            table = table[table["district"] == district]
        out[period] = {"fairs": int(table["fairs"].sum()), "enterprises": int(table["attendances"].sum())}
    return out


FIGURES = ("due_month", "paid_month", "due_year", "paid_year")


def unset_standard_items() -> set[str]:
    """The items whose amount the notice leaves to a local standard that neither an administrator
    (core.db.targets.get_standards) nor any policy file sets (企业社会保险补贴 until it is entered)."""
    from core.db.targets import get_standards

    entered = get_standards()
    return {code for code in ITEMS
            if (name := ITEM[code].local_standard) is not None and entered.get(name) is None
            and all(p.parameters[name].value is None for p in reference.policies() if name in p.parameters)}


def with_unset_standards(items: pd.DataFrame, unset: set[str]) -> list[dict]:
    """The item rows, an item of ``unset`` with no figure but 0 having its four figures None:
    not configured, never an invented 0 (RULES.md). Amounts stored while a standard was set stay."""
    rows = items.to_dict("records")
    for r in rows:
        if r["item"] in unset and not any(r[c] for c in FIGURES):
            r.update(dict.fromkeys(FIGURES))
    return rows


def _money(v, lang: str):
    """A figure of the items' table as shown: the yuan, or 未配置 (as the roster page says it)."""
    return t("ui.common.not_set", lang) if v is None else v


def monthly_report(year: int, month: int, district: str | None = None, filed_on: dt.date | None = None,
                   lang: str = "zh") -> dict:
    """The statistics table of ``district`` (None: the whole city) for a month."""
    from core.db import report_queries as rq
    from core.db.events import fairs_frame
    from core.db.stored_progress import without_demo

    year, month = int(year), int(month)
    if not 1 <= month <= 12:
        raise ValueError("month")
    # a district's table needs only the people whose earliest row is in that district
    groups = with_helped_now(rq.new_hire_groups(year, district))
    hires = hires_by_period(groups, month, district)
    targets = targets_of(year, district)
    items = rq.item_amounts(year, month, district)
    report = {
        "year": year, "month": month, "district": district,
        "unit": district or t("reports.report.city", lang),
        "filed_on": (filed_on or dt.date.today()).isoformat(),
        "new_hires": {**hires, "targets": targets, "completion": completion(hires["year_to_date"], targets)},
        "items": with_unset_standards(items, unset_standard_items()),
        "fairs": fair_figures(without_demo(fairs_frame(year), include_demo=False), year, month, district),
        "services": {p: dict(zip(s["kind"], s[col].astype(int).tolist()))
                     for s in [rq.services(year, month, district)] for p, col in (("month", "month"),
                                                                                  ("year_to_date", "year"))},
    }
    if district is None:
        report["by_district"] = {
            d: {**hires_by_period(groups, month, d), "targets": targets_of(year, d)}
            for d in reference.districts()["name"]}
    return report


# --- the filed table --------------------------------------------------------------------------

def _r(key: str, lang: str, **fmt) -> str:
    return t(f"reports.report.{key}", lang, **fmt)


def _pct(v) -> str:
    return "" if v is None else f"{v * 100:.1f}%"


def to_xlsx_bytes(report: dict, lang: str = "zh") -> bytes:
    """One sheet laid out as a filed statistics table; a second one by district for the city."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, **WORKBOOK_OPTIONS})
    title = wb.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    head = wb.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True,
                          "bg_color": "#E7EEF7"})
    cell = wb.add_format({"border": 1})
    num = wb.add_format({"border": 1, "num_format": "#,##0"})
    section = wb.add_format({"bold": True})
    note = wb.add_format({"italic": True, "font_color": "#555555"})

    ws = wb.add_worksheet(_r("sheet", lang))
    ws.set_column(0, 0, 26)
    ws.set_column(1, 6, 14)
    ws.merge_range(0, 0, 0, 5, safe_text(_r("title", lang, unit=report["unit"], year=report["year"],
                                            month=report["month"])), title)
    ws.set_row(0, 30)
    ws.write(1, 0, safe_text(_r("filed_by", lang, unit=report["unit"])))
    ws.write(1, 3, _r("filed_on", lang, day=report["filed_on"]))
    row = 3

    def table(name: str, unit: str, headers: list[str], body: list[list]) -> None:
        nonlocal row
        ws.write(row, 0, _r(f"section.{name}", lang), section)
        ws.write(row, 5, _r("unit", lang, unit=_r(f"units.{unit}", lang)), note)
        row += 1
        ws.write_row(row, 0, headers, head)
        row += 1
        for values in body:
            for j, v in enumerate(values):
                ws.write(row, j, safe_text(v) if isinstance(v, str) else ("" if v is None else v),
                         cell if isinstance(v, str) or v is None else num)
            row += 1
        row += 1

    h = report["new_hires"]
    table("hires", "people", [_r("col.category", lang), _r("col.month", lang), _r("col.year_to_date", lang),
                              _r("col.target", lang), _r("col.completion", lang)],
          [[_r(f"category.{k}", lang), h["month"][k], h["year_to_date"][k], h["targets"][k], _pct(h["completion"][k])]
           for k in KEYS])
    table("items", "yuan", [_r("col.item", lang), _r("col.due_month", lang), _r("col.paid_month", lang),
                            _r("col.due_year", lang), _r("col.paid_year", lang)],
          [[t(f"rules.item_title.{r['item']}", lang), *(_money(r[c], lang) for c in FIGURES)]
           for r in report["items"] if r["item"] in ITEMS])
    f = report["fairs"]
    table("fairs", "fairs", [_r("col.measure", lang), _r("col.month", lang), _r("col.year_to_date", lang)],
          [[_r("fairs_held", lang), f["month"]["fairs"], f["year_to_date"]["fairs"]],
           [_r("fair_enterprises", lang), f["month"]["enterprises"], f["year_to_date"]["enterprises"]]])
    s = report["services"]
    table("services", "times", [_r("col.service", lang), _r("col.month", lang), _r("col.year_to_date", lang)],
          [[_r(f"service.{k}", lang), s["month"][k], s["year_to_date"][k]] for k in s["month"]])

    if report.get("by_district"):
        wd = wb.add_worksheet(_r("sheet_districts", lang))
        wd.set_column(0, 0, 12)
        wd.set_column(1, 12, 12)
        headers = [_r("col.district", lang)] + [
            f"{_r(f'category.{k}', lang)}{_r(f'col.{p}', lang)}" for k in KEYS for p in PERIODS] + [
            _r("col.target", lang), _r("col.completion", lang)]
        wd.merge_range(0, 0, 0, len(headers) - 1,
                       safe_text(_r("title_districts", lang, year=report["year"], month=report["month"])), title)
        wd.write(1, len(headers) - 1, _r("unit", lang, unit=_r("units.people", lang)), note)
        wd.write_row(2, 0, headers, head)
        for i, (d, v) in enumerate(report["by_district"].items()):
            ytd, target = v["year_to_date"]["total"], v["targets"]["total"]
            values = [d] + [v[p][k] for k in KEYS for p in PERIODS] + [
                target, _pct(None if not target else ytd / target)]
            for j, x in enumerate(values):
                wd.write(3 + i, j, safe_text(x) if isinstance(x, str) else ("" if x is None else x),
                         cell if isinstance(x, str) or x is None else num)
    wb.close()
    return buf.getvalue()


def _target(value, lang: str) -> str:
    """A target as shown: the figure, or that none was set for the year."""
    return t("reports.bulletin.no_target", lang) if value is None else f"{int(value):,}"


def report_tables(report: dict, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The four tables of the report (and the districts' for the city) as frames with the
    catalog's headers, for the screen."""
    h, f, s = report["new_hires"], report["fairs"], report["services"]
    out = {
        "hires": pd.DataFrame({
            _r("col.category", lang): [_r(f"category.{k}", lang) for k in KEYS],
            _r("col.month", lang): [h["month"][k] for k in KEYS],
            _r("col.year_to_date", lang): [h["year_to_date"][k] for k in KEYS],
            _r("col.target", lang): [_target(h["targets"][k], lang) for k in KEYS],
            _r("col.completion", lang): [_pct(h["completion"][k]) for k in KEYS]}),
        "items": pd.DataFrame({
            _r("col.item", lang): [t(f"rules.item_title.{r['item']}", lang) for r in report["items"]],
            # text with thousands separators, as the roster page shows yuan: one type per column
            **{_r(f"col.{c}", lang): [_money(r[c] if r[c] is None else f"{r[c]:,}", lang) for r in report["items"]]
               for c in FIGURES}}),
        "fairs": pd.DataFrame({
            _r("col.measure", lang): [_r("fairs_held", lang), _r("fair_enterprises", lang)],
            _r("col.month", lang): [f["month"]["fairs"], f["month"]["enterprises"]],
            _r("col.year_to_date", lang): [f["year_to_date"]["fairs"], f["year_to_date"]["enterprises"]]}),
        "services": pd.DataFrame({
            _r("col.service", lang): [_r(f"service.{k}", lang) for k in s["month"]],
            _r("col.month", lang): list(s["month"].values()),
            _r("col.year_to_date", lang): list(s["year_to_date"].values())}),
    }
    if report.get("by_district"):
        bd = report["by_district"]
        out["districts"] = pd.DataFrame({
            _r("col.district", lang): list(bd),
            _r("col.month", lang): [v["month"]["total"] for v in bd.values()],
            _r("col.year_to_date", lang): [v["year_to_date"]["total"] for v in bd.values()],
            _r("col.target", lang): [_target(v["targets"]["total"], lang) for v in bd.values()],
            _r("col.completion", lang): [_pct(None if not v["targets"]["total"]
                                              else round(v["year_to_date"]["total"] / v["targets"]["total"], 4))
                                         for v in bd.values()]})
    return out
