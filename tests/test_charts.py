"""core/charts.py and core/demo.py: the tables behind each chart, the demo label, print colours."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from core import charts, reference
from core.demo import demo_fairs, demo_result
from core.engine import evaluate_file
from core.i18n import t
from core.progress import amounts_by_district, monthly_new_hires, progress
from core.synthetic import synthetic_roster


@pytest.fixture(scope="module")
def frame():
    data = synthetic_roster(400, seed=9, year=2018, error_rate=0.05).to_csv(index=False).encode("utf-8")
    return evaluate_file(data, "r.csv").frame


def spec_text(chart) -> str:
    return json.dumps(chart.to_dict(), ensure_ascii=False)


def test_target_table_matches_progress(frame):
    prog = progress(frame, 2018)
    table = charts.target_table(prog).set_index("measure")
    for m in charts.MEASURES:
        assert table.loc[m, "actual"] == prog["city"][m]
        assert table.loc[m, "target"] == prog["targets"][m]
        assert table.loc[m, "percent"] == pytest.approx(100 * prog["city"][m] / prog["targets"][m], abs=0.05)
        assert f"{prog['city'][m]:,}" in table.loc[m, "text"]


def test_target_table_without_targets_says_so(frame):
    prog = progress(frame, 2030)
    assert all(v is None for v in prog["targets"].values())
    table = charts.target_table(prog)
    assert table["target"].isna().all() and table["percent"].isna().all()
    assert (table["text"] == [t("ui.chart.no_target_text", actual=f"{a:,}") for a in table["actual"]]).all()
    charts.target_chart(prog).to_dict()   # draws without a target


def test_district_table_adds_up_to_the_city(frame):
    prog = progress(frame, 2018)
    table = charts.district_table(prog)
    assert table["district"].drop_duplicates().tolist() == reference.districts()["name"].tolist()
    per_cat = table.groupby("category")["count"].sum()
    for c in charts.COUNTED:
        assert per_cat[c] == prog["city"][c]


def test_cumulative_table_runs_to_the_year_total(frame):
    monthly = monthly_new_hires(frame, 2018)
    table = charts.cumulative_table(monthly)
    assert table["month"].tolist() == list(range(1, 13))
    assert table["cumulative"].is_monotonic_increasing
    assert table["cumulative"].iloc[-1] == progress(frame, 2018)["city"]["total"]
    empty = charts.cumulative_table(monthly.iloc[0:0])
    assert (empty["cumulative"] == 0).all()


def test_amounts_table_keeps_the_totals(frame):
    amounts = amounts_by_district(frame)
    table = charts.amounts_table(amounts)
    assert (table["amount"] > 0).all()
    valid = frame[frame["valid"]]
    items = [i for i in charts.ITEMS if i in valid]
    assert table["amount"].sum() == valid[items].to_numpy().sum()
    assert table["wan"].sum() == pytest.approx(table["amount"].sum() / 10000)
    assert set(table["item_label"]) <= {t(f"ui.items.{i}") for i in charts.ITEMS}


def test_amounts_legend_lists_only_items_with_money_each_in_its_own_colour(frame):
    """企业社会保险补贴 has no amount while its local standard is unset: it is not in the legend,
    and the other items keep the colours they have when every item is present."""
    amounts = amounts_by_district(frame)
    spec = charts.amounts_chart(amounts).to_dict()
    scale = spec["encoding"]["color"]["scale"]
    present = set(charts.amounts_table(amounts)["item"])
    assert "employer_social_insurance" not in present
    assert scale["domain"] == [t(f"ui.items.{i}") for i in charts.ITEMS if i in present]
    assert scale["range"] == [charts.PALETTE[k] for k, i in enumerate(charts.ITEMS) if i in present]
    one = amounts[amounts["item"] == "rent"]
    scale = charts.amounts_chart(one).to_dict()["encoding"]["color"]["scale"]
    assert scale == {"domain": [t("ui.items.rent")], "range": [charts.PALETTE[charts.ITEMS.index("rent")]]}


def test_fairs_table_counts_fairs_not_enterprises_and_flags_districts_without():
    fairs = pd.DataFrame({
        "district": ["柯桥区", "柯桥区", "柯桥区", "越城区"],
        "date": ["2018-05-01", "2018-05-01", "2018-09-01", "2019-03-01"],
        "venue": ["金川县", "金川县", "金川县", "马边彝族自治县"],
        "enterprise": ["甲", "乙", "丙", "丁"],
    })
    table = charts.fairs_table(fairs, 2018).set_index("district")
    assert table.loc["柯桥区", "fairs"] == 2 and table.loc["柯桥区", "enterprises"] == 3
    assert table.loc["越城区", "fairs"] == 0 and table.loc["越城区", "none"]   # its fair was in 2019
    assert table["none"].sum() == len(reference.districts()) - 1
    assert charts.fairs_table(None, 2018)["none"].all()


def test_pairing_table_is_the_reference():
    table = charts.pairing_table()
    d = reference.districts()
    assert table.iloc[:, 0].tolist() == d["name"].tolist()
    assert table.iloc[:, 1].tolist() == d["paired_county"].tolist()


def test_every_demo_chart_is_labelled_and_real_data_is_not(frame):
    label = t("ui.chart.demo")
    prog = progress(frame, 2018)
    built = lambda demo: [  # noqa: E731
        charts.target_chart(prog, demo), charts.district_chart(prog, demo),
        charts.cumulative_chart(monthly_new_hires(frame, 2018), prog["targets"]["total"], 2018, demo),
        charts.amounts_chart(amounts_by_district(frame), demo, year=2018),
        charts.fairs_chart(demo_fairs(), 2018, demo)]
    assert all(label in spec_text(c) for c in built(True))
    assert not any(label in spec_text(c) for c in built(False))


def test_charts_have_tooltips_and_chinese_axis_titles(frame):
    prog = progress(frame, 2018)
    text = spec_text(charts.district_chart(prog))
    assert '"tooltip"' in text and t("ui.chart.people") in text and t("ui.chart.tt.district") in text


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_stacked_colours_differ_in_greyscale():
    """Neighbouring colours of the stacked charts stay apart when printed in black and white."""
    used = charts.PALETTE[:len(charts.ITEMS)]
    for a, b in zip(used, used[1:]):
        assert abs(_luminance(a) - _luminance(b)) > 0.1, (a, b)
    assert abs(_luminance(charts.ACTUAL_COLOR) - _luminance(charts.TARGET_COLOR)) > 0.5


def test_demo_dataset_is_deterministic_and_spans_the_policy_years():
    a, b = demo_result(), demo_result()
    assert a is b   # evaluated once
    again = demo_result.__wrapped__()
    pd.testing.assert_frame_equal(a.frame, again.frame)
    pol = reference.policy()
    years = set(a.frame.loc[a.frame["valid"], "year"].dropna().astype(int))
    assert set(range(pol.start.year, pol.end.year + 1)) <= years
    fairs = demo_fairs()
    for year in range(pol.start.year, pol.end.year + 1):
        assert charts.fairs_table(fairs, year)["none"].sum() == 1


def test_people_axes_count_whole_people(frame):
    """No 0.5 人 ticks on a small roster, and few enough ticks for a phone."""
    prog = progress(frame, 2018)
    for chart in (charts.target_chart(prog), charts.district_chart(prog),
                  charts.cumulative_chart(monthly_new_hires(frame, 2018), None, 2018)):
        axes = [a for a in _axes(chart.to_dict()) if a.get("title") == t("ui.chart.people")]
        assert axes, chart
        assert all(a["tickMinStep"] == 1 and a["format"] == ",d" for a in axes)


def _axes(spec):
    """Every axis definition (with its title) in a Vega-Lite spec, layers included."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("x", "y") and isinstance(value, dict):
                yield {**(value.get("axis") or {}), "title": value.get("title")}
            yield from _axes(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _axes(value)


def test_demo_tag_in_the_subtitle_and_bare_month_numbers(frame):
    """On a phone a long title with the demo tag was cut and "9月10月11月12月" ran together: the
    title is the plain title, the subtitle starts with the tag, months are bare numbers under 月份."""
    prog = progress(frame, 2018)
    spec = charts.district_chart(prog, True).to_dict()
    assert t("ui.chart.demo") not in json.dumps(spec["title"]["text"], ensure_ascii=False)
    assert spec["title"]["subtitle"].startswith(t("ui.chart.demo"))
    cum = charts.cumulative_chart(monthly_new_hires(frame, 2018), None, 2018).to_dict()
    axes = [a for a in _axes(cum) if a.get("title") == t("ui.chart.month_axis")]
    assert axes and all("labelExpr" not in a for a in axes)


def test_the_monthly_chart_has_a_legend_for_its_bars_and_its_line(frame):
    """本区进度's grey monthly bars and the running-total line are named in one legend."""
    spec = charts.cumulative_chart(monthly_new_hires(frame, 2018), 100, 2018).to_dict()
    colors = [layer["encoding"]["color"] for layer in spec["layer"] if "color" in layer.get("encoding", {})]
    assert len(colors) == 2
    new, running = t("ui.chart.tt.new"), t("ui.chart.tt.cumulative")
    for c in colors:
        assert c["scale"] == {"domain": [new, running], "range": [charts.TARGET_COLOR, charts.ACTUAL_COLOR]}
        assert c["legend"] == {"title": None}
    values = next(iter(spec["datasets"].values()))
    assert {v["bars"] for v in values} == {new} and {v["line"] for v in values} == {running}


def test_fairs_table_counts_fairs_in_the_four_provinces_and_those_in_the_own_county():
    fairs = pd.DataFrame({
        "district": ["柯桥区", "柯桥区", "越城区", "嵊州市"],
        "date": ["2018-05-01", "2018-09-01", "2018-03-01", "2018-04-01"],
        "province": ["四川", "贵州", "四川", "甘肃"],
        "venue": ["金川县", "凯里市", "金川县", "金川区"],
        "enterprise": ["甲", "乙", "丙", "丁"],
    })
    table = charts.fairs_table(fairs, 2018).set_index("district")
    assert table.loc["柯桥区", ["fairs", "own_county"]].tolist() == [2, 1]
    assert table.loc["越城区", ["fairs", "own_county"]].tolist() == [1, 0]      # 金川 is 柯桥区's county
    assert table.loc["嵊州市", "none"]                                           # 甘肃 does not count
    assert t("ui.chart.tt.own_county") in spec_text(charts.fairs_chart(fairs, 2018))


def test_districts_and_the_pairing_shown_in_english(frame):
    """In English every chart and table names the districts in English; the tables keep the Chinese
    name the data keys on (``district``) beside the name shown (``district_label``)."""
    prog = progress(frame, 2018)
    english = ["Yuecheng District", "Keqiao District", "Zhuji City", "Shangyu District", "Xinchang County",
               "Shengzhou City"]
    assert charts.district_order("en") == english
    table = charts.district_table(prog, "en")
    assert table["district"].drop_duplicates().tolist() == reference.districts()["name"].tolist()
    assert table["district_label"].drop_duplicates().tolist() == english
    amounts = charts.amounts_table(amounts_by_district(frame), "en")
    assert set(amounts["district_label"]) <= set(english) and len(amounts)
    fairs = pd.DataFrame({"district": ["柯桥区"], "enterprise": ["甲"], "date": ["2018-05-01"], "venue": ["金川县"]})
    assert charts.fairs_table(fairs, 2018, "en")["district_label"].tolist() == english
    for chart in (charts.district_chart(prog, lang="en"), charts.amounts_chart(amounts_by_district(frame), lang="en"),
                  charts.fairs_chart(fairs, 2018, lang="en")):
        spec = chart.to_dict()
        layers = spec.get("layer", [spec])
        y = layers[0]["encoding"]["y"]
        assert y["field"] == "district_label" and y["sort"] == english
        tips = [tip["field"] for tip in layers[0]["encoding"]["tooltip"]]
        assert "district_label" in tips and "district" not in tips
    pairing = charts.pairing_table("en")
    assert pairing.iloc[0].tolist() == ["Yuecheng District", "Mabian Yi Autonomous County", "Leshan City"]
    assert charts.pairing_table("zh").iloc[0].tolist() == ["越城区", "马边彝族自治县", "乐山市"]
