"""The pages' shared helpers (pages/_common.py, _registry.py, _roster_tables.py): masking, filtering, tables, navigation by role,
the self-check's answers, the recruitment-fair reader."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core import reference  # noqa: E402
from core.engine import evaluate_file  # noqa: E402
from core.i18n import t  # noqa: E402
from core.person import estimate  # noqa: E402
from core.reader import RosterReadError, read_roster  # noqa: E402
from core.synthetic import synthetic_roster  # noqa: E402
from pages import _common as c  # noqa: E402
from pages import _registry as registry  # noqa: E402
from pages import _roster_tables as roster_tables  # noqa: E402
from pages import _dashboard_data as dash  # noqa: E402
from pages import _self_check_form as form  # noqa: E402
from pages import _stored_tables as tables  # noqa: E402


@pytest.fixture(scope="module")
def result():
    data = synthetic_roster(80, seed=3, error_rate=0.15).to_csv(index=False).encode("utf-8")
    return evaluate_file(data, "r.csv")


def test_mask_ids_keeps_region_and_last_four_only():
    ids = pd.Series(["51322619900101123X", " 110105194912310021 ", "12345", "", None], dtype="string")
    masked = roster_tables.mask_ids(ids)
    assert masked.tolist() == ["513226********123X", "110105********0021", "****", "", ""]


def test_mask_ids_never_shows_the_birth_date(result):
    masked = roster_tables.mask_ids(result.frame["id_number"])
    full = result.frame["id_number"].astype("string").fillna("")
    births = full.str.slice(6, 14)
    long = full.str.len() >= 18
    assert not any(b in m for b, m, ok in zip(births, masked, long) if ok)


def test_row_filter_errors_only_and_search(result):
    frame = result.frame
    errors = roster_tables.row_filter(frame, errors_only=True)
    # the rows in error as a whole, and the valid rows with an error of some items (RULES.md)
    item_errors = frame["valid"].astype(bool) & (frame["errors"].astype("string").fillna("") != "")
    assert errors.sum() == result.summary["errors"] + item_errors.sum()
    assert errors[item_errors.to_numpy()].all()
    name = str(frame.loc[frame["valid"], "name"].iloc[0])
    by_name = roster_tables.row_filter(frame, query=name)
    assert by_name.sum() >= 1 and set(frame.loc[by_name, "name"]) == {name}
    ident = str(frame["id_number"].iloc[0])
    by_id = roster_tables.row_filter(frame, query=ident[-6:].lower())   # a lower-case x still finds it
    assert by_id[0]
    assert roster_tables.row_filter(frame, query="  ").all()
    both = roster_tables.row_filter(frame, errors_only=True, query=name)
    assert (both <= errors).all() and (both <= by_name).all()


def test_display_table_masks_ids_and_keeps_rows(result):
    table = roster_tables.display_table(result.frame)
    assert len(table) == len(result.frame)
    header = next(col.header for col in reference.columns() if col.field == "id_number")
    shown = table[header]
    assert shown.str.contains(r"\*{8}", regex=True).sum() == (result.frame["id_number"].astype("string").str.len() >= 11).sum()
    county = next(col.header for col in reference.columns() if col.field == "home_county")
    assert not table[county].isna().any()   # blank county shows as empty text, not "None"
    total_col = t("ui.table.total_to_worker")
    assert int(table[total_col].sum()) == result.summary["total_to_worker"]
    assert table[t("ui.table.row")].tolist() == result.frame["row"].tolist()


def test_summary_table_has_each_item_and_the_total(result):
    table = roster_tables.summary_table(result.summary)
    amounts = dict(zip(table.iloc[:, 0], table.iloc[:, 1]))
    assert result.summary["employer_standard"] is None
    for item, value in result.summary["amounts"].items():
        if item == "employer_social_insurance":     # no local standard: no amount, said in the label
            assert amounts[t(f"ui.items.{item}")] == t("ui.common.not_set")   # said in words, not "None"
        else:
            assert amounts[t(f"ui.items.{item}")] == f"{value:,}"
    assert amounts[t("ui.table.total_to_worker")] == f"{result.summary['total_to_worker']:,}"
    # the workers' items, then their sum, then the items paid to others
    labels = table.iloc[:, 0].tolist()
    total_at = labels.index(t("ui.table.total_to_worker"))
    assert labels[:total_at] == [t(f"ui.items.{i}") for i in ("stabilization", "family_visit", "skill_training", "rent")]
    assert labels[total_at + 1:] == [t("ui.items.organizer_service"), t("ui.items.employer_social_insurance")]


def test_stored_tables_say_missing_values_in_words():
    """Officers read "未配置" for an amount left to an unset local standard, an empty cell for a
    missing district or address, and an audit entry's details in words (no JSON, no hash)."""
    frame = pd.DataFrame({
        "amount": pd.array([None, 1200], dtype="Int64"),
        "district": [None, "柯桥区"],
        "ip": [None, "10.0.0.1"],
        "detail": ['{"upload_id": 2, "content_hash": "ab12", "rows": 60, "demo": false}', None],
    })
    table = tables.stored_table(frame, ["amount", "district", "ip", "detail"])
    col = lambda name: t(f"db.col.{name}")  # noqa: E731
    assert table[col("amount")].tolist() == [t("ui.common.not_set"), 1200]
    assert table[col("district")].tolist() == ["", "柯桥区"]
    assert table[col("ip")].tolist() == ["", "10.0.0.1"]
    detail = table[col("detail")].iloc[0]
    assert detail == t("common.list_separator").join([
        t("ui.common.pair", label=col("upload_id"), value=2), t("ui.common.pair", label=col("rows"), value=60),
        t("ui.common.pair", label=col("demo"), value=t("ui.common.no"))])
    assert table[col("detail")].iloc[1] == ""
    # kinds, roles, levels, sources and targets in words; numbers without ".0"; objects named
    audit = pd.DataFrame({
        "target": ["fair#3", "love_post.monthly", "chief"],
        "detail": ['{"kind": "fair", "enterprises": 2}', '{"old": null, "new": 1800.0}',
                   '{"role": "district_officer", "source": "cli", "old": {"total": 500, "paired_four": null}}'],
    })
    words = tables.stored_table(audit, ["target", "detail"])
    pair = lambda label, value: t("ui.common.pair", label=label, value=value)  # noqa: E731
    assert words[col("target")].tolist() == [t("ui.common.numbered", name=t("db.events_page.fairs"), n=3),
                                             t("db.standard_label.love_post.monthly"), "chief"]
    sep = t("common.list_separator")
    assert words[col("detail")].tolist() == [
        sep.join([pair(col("kind"), t("db.events_page.fairs")), pair(col("enterprises"), 2)]),
        pair(col("new"), 1800),
        sep.join([pair(col("role"), t("db.role.district_officer")), pair(col("source"), t("db.source.cli")),
                  pair(col("old"), pair(t("db.target_field.total"), 500))]),
    ]


def test_error_list_by_row_number(result):
    errors = roster_tables.error_list(result.frame)
    # every row with an error: of the whole row, or of single items (the row stays valid)
    bad = result.frame[result.frame["errors"] != ""]
    assert errors.iloc[:, 0].tolist() == bad["row"].tolist()
    assert set(result.frame.loc[~result.frame["valid"], "row"]) < set(bad["row"])
    # the person named: 姓名 and the masked ID number beside the row number, then the reasons
    headers = {col.field: col.header for col in reference.columns()}
    assert list(errors.columns) == [t("ui.table.row"), headers["name"], headers["id_number"], t("ui.table.errors")]
    assert errors[headers["name"]].tolist() == bad["name"].astype("string").fillna("").tolist()
    assert errors[headers["id_number"]].tolist() == roster_tables.mask_ids(bad["id_number"]).tolist()
    assert all(isinstance(x, str) and x for x in errors[t("ui.table.errors")])


def test_display_table_puts_what_officers_look_for_first(result):
    table = roster_tables.display_table(result.frame)
    headers = {col.field: col.header for col in reference.columns()}
    assert list(table.columns[:8]) == [t("ui.table.valid"), headers["name"], headers["id_number"],
                                       t("ui.table.total_to_worker"), t("ui.table.errors"), t("ui.table.reason"),
                                       t("ui.table.warnings"), t("ui.table.row")]
    assert table[headers["name"]].tolist() == result.frame["name"].astype("string").fillna("").tolist()
    assert table[t("ui.table.total_to_worker")].tolist() == result.frame["total_to_worker"].astype(int).tolist()
    assert len(set(table.columns)) == len(table.columns)     # no input column shown twice


def test_display_table_in_english_names_the_roster_columns_in_english(result, monkeypatch):
    """data/columns.yaml header_en: the roster's columns on an English page; the values as sent."""
    monkeypatch.setattr(c, "lang", lambda: "en")
    monkeypatch.setattr(roster_tables, "lang", lambda: "en")
    table = roster_tables.display_table(result.frame)
    assert list(table.columns[:3]) == [t("ui.table.valid", "en"), "Name", "ID number"]
    assert {"Province of household registration", "District of work", "Employer"} <= set(table.columns)
    headers = {col.header for col in reference.columns()}
    assert not headers & set(table.columns)
    assert table["District of work"].tolist() == result.frame["work_district"].astype("string").fillna("").tolist()
    errors = roster_tables.error_list(result.frame)
    assert not headers & set(errors.columns)


def test_visible_pages_by_role(tmp_path):
    for spec in registry.APP_PAGES + registry.OPTIONAL_PAGES:
        (tmp_path / spec.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / spec.path).write_text("")

    def paths(user, enabled=True, root=tmp_path):
        return [s.path for s in registry.visible_pages(user, enabled, root)]

    public = paths(None)
    assert public == ["pages/self_check.py", "pages/login.py"]
    leader = paths(SimpleNamespace(name="l", role="leader", district=None))
    assert "pages/dashboard.py" in leader and "pages/roster.py" not in leader
    district = paths(SimpleNamespace(name="d", role="district_officer", district="柯桥区"))
    assert "pages/roster.py" in district and "pages/dashboard.py" not in district
    admin = paths(SimpleNamespace(name="a", role="admin", district=None))
    assert {"pages/roster.py", "pages/dashboard.py", "pages/admin_users.py"} <= set(admin)
    assert "pages/login.py" not in admin
    # without accounts every page is reachable, and pages whose file is missing are left out
    bare = tmp_path / "bare"
    for spec in registry.APP_PAGES:
        (bare / spec.path).parent.mkdir(parents=True, exist_ok=True)
        (bare / spec.path).write_text("")
    assert paths(None, enabled=False, root=bare) == [s.path for s in registry.APP_PAGES]


def test_has_role_without_accounts_lets_everyone_in():
    assert registry.has_role(None, ("admin",), enabled=False)
    assert not registry.has_role(None, ("admin",), enabled=True)
    assert registry.has_role(SimpleNamespace(role="leader"), registry.DASHBOARD_ROLES, enabled=True)
    assert c.user_district(SimpleNamespace(role="district_officer", district="越城区")) == "越城区"
    assert c.user_district(SimpleNamespace(role="city_officer", district="越城区")) is None


def test_person_from_answers_maps_unknowns_to_none():
    person = form.person_from_answers({"registered_poor": "unknown", "organized": "unknown", "has_employer": "unknown"})
    assert all(v is None for v in person.model_dump().values())
    person = form.person_from_answers({
        "registered_poor": "yes", "home_province": "四川省", "home_county": " 金川县 ",
        "first_employment_date": dt.date(2018, 3, 1), "work_district": "柯桥区",
        "has_employer": "no", "employer": "ignored", "organized": "yes", "organizer": "",
        "certificate_level": "中级工", "certificate_date": dt.date(2018, 6, 1), "training_cost": 800.0,
        "social_insurance_months": 12, "continuous_months": 13, "self_rented_months": 10})
    assert person.registered_poor is True and person.home_county == "金川县"
    assert person.has_employer is False and person.employer is None
    assert person.organized is True and person.organizer is None
    assert person.training_cost is None          # only asked for 初级工
    assert person.certificate_date == dt.date(2018, 6, 1)


def test_card_amount_words():
    est = estimate(form.person_from_answers({}), as_of=dt.date(2019, 1, 1))
    texts = {item.code: form.card_amount(item) for item in est.items}
    stab = reference.policy()["stabilization.amount"]
    assert texts["stabilization"] == t("ui.self_check.possible", amount=t("ui.money", amount=f"{stab:,}"))
    assert texts["employer_social_insurance"] == t("ui.self_check.amount_local")
    est = estimate(form.person_from_answers({"registered_poor": "no"}), as_of=dt.date(2019, 1, 1))
    assert form.card_amount(est.item("stabilization")) == t("ui.money", amount="0")


def test_read_fairs_gbk_csv_and_missing_columns():
    text = "区县,日期,举办地,企业\n绍兴市柯桥区,2018-05-01,金川县,甲公司\n柯桥区,2018/5/1,金川县,乙公司\n越城区,2019-03-02,马边,丙公司\n"
    fairs = dash.read_fairs(text.encode("gbk"), "fairs.csv")
    assert fairs["district"].tolist() == ["柯桥区", "柯桥区", "越城区"]
    assert fairs["date"].dt.year.tolist() == [2018, 2018, 2019]
    assert fairs.attrs["unread_rows"] == []
    bad = text + "嵊州,2018-13-01,马尔康,丁公司\n杭州市,2018-05-01,金川县,戊公司\n"
    fairs = dash.read_fairs(bad.encode("gbk"), "fairs.csv")
    assert len(fairs) == 3 and fairs.attrs["unread_rows"] == [5, 6]   # not dropped silently
    # a blank line and a line of bare commas are blank, not unread, and do not shift the numbers
    spaced = text + "\n,,,\n嵊州,2018-13-01,马尔康,丁公司\n"
    fairs = dash.read_fairs(spaced.encode("gbk"), "fairs.csv")
    assert len(fairs) == 3 and fairs.attrs["unread_rows"] == [7]
    with pytest.raises(dash.FairsReadError) as err:
        dash.read_fairs("区县,日期\n柯桥区,2018-05-01\n".encode(), "fairs.csv")
    assert t("ui.dashboard.fair_columns.venue") in str(err.value)
    with pytest.raises(dash.FairsReadError):
        dash.read_fairs(b"\x00\x01 not a workbook", "fairs.xlsx")


def test_year_options_and_default(result):
    years = dash.year_options(result.frame)
    valid_years = set(result.frame.loc[result.frame["valid"], "year"].dropna().astype(int))
    assert set(years) == valid_years and years == sorted(years, reverse=True)
    first = reference.policy().start.year
    assert dash.default_year(years + [first]) == first
    assert dash.default_year([2030, 2029]) == 2030
    assert dash.default_year([]) is None


def test_process_roster_reads_once_and_reports_unreadable_files():
    steps = []
    data = synthetic_roster(30, seed=5).to_csv(index=False).encode("gbk")
    loaded = c.process_roster(data, "名单.csv", on_step=lambda f, text: steps.append(f))
    assert loaded.error is None and loaded.result.summary["rows"] == 30
    assert steps == sorted(steps) and steps[-1] == 1.0
    assert len(loaded.table) == 30
    broken = c.process_roster(b"", "empty.csv")
    with pytest.raises(RosterReadError) as err:
        read_roster(b"", "empty.csv")
    assert broken.result is None and broken.error == str(err.value)


def test_card_reasons_explain_eligible_items_by_the_conditions_that_hold():
    person = form.person_from_answers({
        "registered_poor": "yes", "home_province": "四川省", "first_employment_date": dt.date(2018, 3, 1),
        "work_district": "柯桥区", "social_insurance_months": 12, "continuous_months": 13,
        "self_rented_months": 10})
    est = estimate(person, as_of=dt.date(2019, 6, 1))
    for item in est.items:
        lines = form.card_reasons(item)
        assert lines or item.missing, item.code                   # every card says why
        assert set(item.reasons) | set(item.notes) <= set(lines)
    policy = reference.policy()
    stab = est.item("stabilization")
    assert stab.status == "eligible"
    assert t("rules.cond.si_months_enough.pass", months=12, min=policy["stabilization.min_social_insurance_months"]) \
        in form.card_reasons(stab)
    rent = est.item("rent")
    assert rent.status == "eligible"
    monthly = policy["rent.monthly"]
    assert form.card_reasons(rent) == [t("rules.worker.cond.self_rented.pass", reported=10),
                                    t("rules.note.rent_counted", counted=rent.amount // monthly, monthly=monthly)]


def test_read_fairs_keeps_an_optional_province_column():
    text = "区县,日期,省份,举办地,企业\n柯桥区,2018-05-01,贵州,凯里市,甲公司\n越城区,2018-06-01,,马边,乙公司\n"
    fairs = dash.read_fairs(text.encode("utf-8"), "fairs.csv")
    assert fairs["province"].fillna("").tolist() == ["贵州", ""]
    from core.enterprise import recruitment_fair_subsidies

    out = recruitment_fair_subsidies(fairs)
    assert out["province"].tolist() == ["52", "51"] and out["amount"].tolist() == [3000, 3000]


def test_a_card_with_an_answer_that_cannot_be_true_asks_to_correct_it():
    person = form.person_from_answers({
        "registered_poor": "yes", "home_province": "四川省", "first_employment_date": dt.date(2020, 6, 1),
        "work_district": "柯桥区", "social_insurance_months": 12, "continuous_months": 0, "self_rented_months": 0})
    item = estimate(person, as_of=dt.date(2020, 12, 31)).item("stabilization")     # 7 months possible
    assert item.status == "error"
    assert form.card_amount(item) == c.ui_text("self_check.amount_error")
    assert item.errors and set(item.errors) <= set(form.card_reasons(item))
