"""Audit of the poster against RULES.md, "Who is covered": the subsidies are for 建档立卡 workers
from the four paired provinces who first came to Shaoxing inside the policy window, not for every
中西部 worker (another 中西部 province counts toward the hiring targets only)."""
from __future__ import annotations

import datetime as dt

from core import reference, share


def test_the_posters_lead_names_the_four_provinces_and_the_window_of_first_arrival():
    lead = "".join(share.poster_lines(as_of=dt.date(2021, 6, 30))["lead"])
    for province in ("四川", "贵州", "湖北", "吉林"):
        assert province in lead, lead
    assert "中西部" not in lead                     # 河南, 云南 … are not covered
    assert "2018年1月1日" in lead and "2020年12月31日" in lead and "首次" in lead


def test_the_posters_lead_follows_the_policy_data(monkeypatch):
    real = reference.policy()

    class Fake:
        document = real.document
        start, end = dt.date(2031, 1, 1), dt.date(2033, 12, 31)

        def __getitem__(self, name):
            return ["52", "42"] if name == "paired_provinces" else real[name]

    monkeypatch.setattr(reference, "policy", lambda *a: Fake())
    lead = "".join(share.poster_lines(as_of=dt.date(2032, 1, 1))["lead"])
    assert "贵州" in lead and "湖北" in lead and "四川" not in lead and "吉林" not in lead
    assert "2031年1月1日" in lead and "2033年12月31日" in lead
    english = "".join(share.poster_lines("en", as_of=dt.date(2032, 1, 1))["lead"])
    assert "2031" in english and "{" not in english
