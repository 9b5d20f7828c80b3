"""Audit of what spans uploads against RULES.md: monthly items at most 36 months per person over
all uploads, each counted month paid at the configured local standard."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.db import targets, uploads
from core.db.models import payments
from core.db.session import reading
from core.engine import evaluate_file
from tests.db_conftest_helpers import (  # noqa: F401  (fixtures)
    db, person, pg_db, pg_server, roster_csv, sqlite_db, user,
)

CHECK = dt.date(2021, 6, 30)


def _store(officer, rows, name, standards=None, as_of=CHECK):
    content = roster_csv(rows)
    result = evaluate_file(content, name, as_of=as_of, standards=standards)
    return uploads.store_upload(result, officer, name, content).result.frame


def _ledger(item: str) -> list[tuple]:
    with reading() as conn:
        return [tuple(r) for r in conn.execute(select(payments.c.months, payments.c.amount)
                                               .where(payments.c.active, payments.c.item == item)
                                               .order_by(payments.c.upload_id, payments.c.seq)).all()]


def test_rent_30_months_then_40_counts_the_6_left_of_the_36(db):
    """三 末段, 补贴期限最长不超过三年: 30 months counted in one upload, 40 (cumulative) in a later
    one: only 6 more count, with the warnings of both caps."""
    officer = user("city_officer")
    first = dict(首次来绍就业日期="2018-01-01")
    f1 = _store(officer, [person(1, 自行租房月数="30", **first)], "1.csv")
    f2 = _store(officer, [person(1, 自行租房月数="40", 连续工作月数="20", **first)], "2.csv")
    assert (f1["rent_counted_months"].tolist(), f1["rent"].tolist()) == ([30], [15000])
    assert (f2["rent_counted_months"].tolist(), f2["rent"].tolist()) == ([6], [3000])
    assert "30个月" in f2["warnings"].iloc[0]
    assert _ledger("rent") == [(30, 15000), (6, 3000)]


def test_employer_months_of_a_later_upload_are_paid_at_the_standard_not_a_rounded_rate(db):
    """三(三), RULES.md: the employer item is the counted months at the local standard. A later
    upload counts the months not yet counted; each is paid at the standard (300.5 a month: 14
    months are 4207 yuan, not 14 x 300 from the rounded-down rate of the 34 months)."""
    officer = user("city_officer")
    targets.set_standard("employer_social_insurance.monthly", 300.5, user("admin"))
    standard = targets.get_standards()          # what the pages and the import check with
    f1 = _store(officer, [person(1, 社保缴纳月数="20")], "1.csv", standard)
    assert f1["employer_social_insurance"].tolist() == [6010]            # 20 x 300.5
    f2 = _store(officer, [person(1, 社保缴纳月数="38")], "2.csv", standard, as_of=dt.date(2021, 4, 30))
    # 2018-03 .. 2020-12: 34 months inside the window, 14 of them not counted before
    assert f2["employer_social_insurance_months"].tolist() == [14]
    assert f2["employer_social_insurance"].tolist() == [4207]           # floor(14 x 300.5)
    assert _ledger("employer_social_insurance") == [(20, 6010), (14, 4207)]
    # the same months cost the same over two uploads as in one (34 x 300.5 = 10217)
    assert 6010 + 4207 == int(34 * 300.5)


def test_employer_months_checked_under_another_standard_keep_the_proportional_rate(db):
    """A result checked with a standard other than the stored one (the administrator changed it
    in between) is not repriced by the stored one: its own rate, as before."""
    officer = user("city_officer")
    targets.set_standard("employer_social_insurance.monthly", 300.5, user("admin"))
    _store(officer, [person(1, 社保缴纳月数="20")], "1.csv", targets.get_standards())
    f2 = _store(officer, [person(1, 社保缴纳月数="38")], "2.csv", {"employer_social_insurance.monthly": 400},
                as_of=dt.date(2021, 4, 30))
    assert f2["employer_social_insurance"].tolist() == [14 * 400]


def test_skill_level_synonyms_are_one_level_over_uploads(db):
    """三(二) once per level: 五级 is 初级工 (FACTS.md), so 初级工 then 五级 pays once; 四级 (中级工)
    later pays its own amount."""
    officer = user("city_officer")
    f1 = _store(officer, [person(1, 职业资格等级="初级工", 取证日期="2018-06-01", 培训费用="800")], "1.csv")
    f2 = _store(officer, [person(1, 职业资格等级="五级", 取证日期="2018-07-01", 培训费用="900",
                                 连续工作月数="20")], "2.csv")
    f3 = _store(officer, [person(1, 职业资格等级="四级", 取证日期="2019-07-01", 连续工作月数="21")], "3.csv")
    assert [f["skill_training"].iloc[0] for f in (f1, f2, f3)] == [800, 0, 1500]
    assert "skill_training" in f2["prior_paid"].iloc[0]
