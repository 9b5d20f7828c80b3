"""The self-check's option lists are built once per process and language (not on every rerun),
and stay what the page showed before: the paired provinces first, labels in the page's language."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.i18n import t  # noqa: E402
from core.person import OUTSIDE_SHAOXING  # noqa: E402
from core.reference import provinces, skill_levels  # noqa: E402
from core.rules import NO_CERTIFICATE  # noqa: E402
from pages import _self_check_form as c  # noqa: E402


def test_provinces_built_once_paired_first(monkeypatch):
    calls = []

    def counted():
        calls.append(1)
        return provinces()

    c._province_names.cache_clear()
    monkeypatch.setattr(c, "provinces", counted)
    first = c.province_options()
    for _ in range(5):
        assert c.province_options() == first
    assert len(calls) == 1
    table = provinces()
    paired = table.loc[table["group"] == "paired_four", "name"].tolist()
    assert first[:len(paired)] == paired and sorted(first) == sorted(table["name"])
    c._province_names.cache_clear()


def test_a_changed_list_does_not_change_the_next_run():
    options = c.province_options()
    options.clear()
    labels = c.district_options()
    labels.clear()
    assert c.province_options() and c.district_options()


def test_labels_follow_the_language(monkeypatch):
    for language in ("zh", "en"):
        monkeypatch.setattr(c, "lang", lambda language=language: language)
        districts = c.district_options()
        assert districts[OUTSIDE_SHAOXING] == t("ui.self_check.district_outside", language)
        levels = c.certificate_options()
        assert levels[NO_CERTIFICATE] == t("ui.self_check.cert_none", language)
        assert list(levels)[0] == NO_CERTIFICATE and len(levels) == len(skill_levels()) + 1
        assert list(c.province_labels()) == c.province_options()        # the values: Chinese names
    assert t("ui.self_check.district_outside", "zh") != t("ui.self_check.district_outside", "en")


def test_reference_names_are_shown_in_the_pages_language(monkeypatch):
    """The options stay the Chinese names the engine reads; only their labels change."""
    monkeypatch.setattr(c, "lang", lambda: "zh")
    assert c.certificate_options()["初级工"] == "初级工（五级）"
    assert c.district_options()["柯桥区"] == "柯桥区" and c.province_labels()["四川省"] == "四川省"
    monkeypatch.setattr(c, "lang", lambda: "en")
    levels = c.certificate_options()
    assert [levels[lvl] for lvl in skill_levels()["level"]] == [
        "Junior (Level 5)", "Intermediate (Level 4)", "Senior (Level 3)", "Technician (Level 2)",
        "Senior Technician (Level 1)"]
    districts = c.district_options()
    assert districts["柯桥区"] == "Keqiao District" and districts["嵊州市"] == "Shengzhou City"
    names = c.province_labels()
    assert [names[p] for p in c.province_options()[:4]] == ["Jilin", "Hubei", "Sichuan", "Guizhou"]
    assert names["内蒙古自治区"] == "Inner Mongolia" and names["新疆维吾尔自治区"] == "Xinjiang"
    assert not any(ord(ch) > 0x2e80 for label in [*levels.values(), *districts.values(), *names.values()]
                   for ch in label)
