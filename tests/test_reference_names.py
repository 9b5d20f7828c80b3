"""The reference tables' names in English (data/reference/*.csv, column name_en): every row has
one, a page in English shows it, and what the engine compares stays Chinese."""
from __future__ import annotations

import pandas as pd
import pytest

from core import reference
from core.i18n import t
from core.person import estimate
from core.reference_names import english_names, missing_english, shown, shown_column, shown_fmt
from tests.test_explain import AS_OF, covered


def test_every_reference_name_has_an_english_name():
    assert missing_english() == []
    for frame in (reference.provinces(), reference.districts(), reference.helped_counties_file(),
                  reference.prefectures(), reference.skill_levels()):
        assert frame["name_en"].str.strip().ne("").all()
        assert not frame["name_en"].str.contains(r"[\u4e00-\u9fff]").any()     # English, not Chinese


def test_a_row_without_english_fails_the_check(monkeypatch):
    table = reference.provinces().copy()
    table.loc[table["name"] == "四川省", "name_en"] = ""
    monkeypatch.setattr(reference, "provinces", lambda: table)
    assert missing_english() == ["四川省"]


@pytest.mark.parametrize("zh, en", [
    ("四川省", "Sichuan"), ("四川", "Sichuan"), ("内蒙古自治区", "Inner Mongolia"), ("西藏自治区", "Tibet"),
    ("柯桥区", "Keqiao District"), ("诸暨市", "Zhuji City"), ("新昌县", "Xinchang County"),
    ("马边彝族自治县", "Mabian Yi Autonomous County"), ("马尔康市", "Barkam City"),
    ("初级工", "Junior (Level 5)"), ("高级技师", "Senior Technician (Level 1)"),
    ("阿坝藏族羌族自治州", "Ngawa Tibetan and Qiang Autonomous Prefecture"),
])
def test_names_shown_in_english(zh, en):
    assert shown(zh, "en") == en
    assert shown(zh, "zh") == zh


def test_what_is_not_a_reference_name_is_shown_as_given():
    assert shown("某某县", "en") == "某某县"
    assert shown(None, "en") is None
    col = pd.Series(["柯桥区", "其他", None], dtype=object)
    assert shown_column(col, "en").tolist() == ["Keqiao District", "其他", None]
    assert col.tolist() == ["柯桥区", "其他", None]          # the column itself untouched
    assert shown_fmt({"level": "技师", "n": 3}, "en") == {"level": "Technician (Level 2)", "n": 3}


def test_no_two_rows_share_an_english_name():
    """One English name per concept: a province and a district never read the same."""
    p = reference.provinces()
    by_english = {}
    for zh, en in english_names().items():
        by_english.setdefault(en, set()).add(zh)
    shared = {en: zhs for en, zhs in by_english.items()
              if not any(set(zhs) == {n, s} for n, s in zip(p["name"], p["short"]))}
    assert {en: zhs for en, zhs in shared.items() if len(zhs) > 1} == {}


def test_the_engine_still_compares_chinese():
    """The level a worker chose reaches the engine as the Chinese value; only its text is English."""
    zh = estimate(covered(certificate_level="技师"), as_of=AS_OF, lang="zh").item("skill_training")
    en = estimate(covered(certificate_level="技师"), as_of=AS_OF, lang="en").item("skill_training")
    assert zh.status == en.status == "not_eligible" and zh.amount == en.amount == 0
    assert any("技师" in r for r in zh.reasons)
    assert any("Technician (Level 2)" in r for r in en.reasons)
    assert not any("技师" in r for r in en.reasons)


def test_the_officers_words_quote_the_level_in_english_too():
    en = estimate(covered(certificate_level="技师"), as_of=AS_OF, lang="en", audience="officer").item("skill_training")
    assert t("rules.cond.level_listed.fail", "en", level="Technician (Level 2)") in en.reasons


def test_every_roster_column_has_an_english_name():
    from core.reference_names import column_header

    for col in reference.columns():
        assert column_header(col.field, "zh") == col.header
        english = column_header(col.field, "en")
        assert english and english != col.header and not any("\u4e00" <= ch <= "\u9fff" for ch in english)
    assert column_header("not_a_column", "en") == "not_a_column"
