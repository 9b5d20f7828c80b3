"""The self-check and the roster go through one engine: on random people they must agree."""
from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.engine import evaluate_file
from core.person import Person, estimate
from core.items import ITEMS
from tests import rule_cases

AS_OF = dt.date(2021, 6, 30)
PROVINCES = ["四川", "贵州省", "湖北", "吉林省", "河南", "浙江省", "广西壮族自治区", "云南"]
DISTRICTS = ["越城区", "柯桥区", "上虞区", "诸暨市", "嵊州市", "新昌县"]
LEVELS = ["无", "初级工", "中级工", "高级工", "技师", "高级技师", "五级", "四级", "三级", "二级", "一级"]
COUNTIES = [None, "金川县", "小金县", "马尔康市", "马边彝族自治县", "成华区", "恩施市"]


def dates(lo: str, hi: str):
    return st.dates(dt.date.fromisoformat(lo), dt.date.fromisoformat(hi))


people = st.builds(
    dict,
    registered_poor=st.booleans(),
    home_province=st.sampled_from(PROVINCES),
    home_county=st.sampled_from(COUNTIES),
    first_employment_date=dates("2017-06-01", "2021-06-30"),
    work_district=st.sampled_from(DISTRICTS),
    employer=st.sampled_from([None, "绍兴某纺织有限公司"]),
    social_insurance_months=st.integers(0, 48),
    continuous_months=st.integers(0, 48),
    certificate_level=st.sampled_from(LEVELS),
    certificate_date=dates("2017-06-01", "2021-06-30"),
    training_cost=st.one_of(st.none(), st.integers(0, 3000).map(float)),
    self_rented_months=st.integers(0, 60),
    organizer=st.sampled_from([None, "金川县劳务合作社"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(people, min_size=1, max_size=12))
def test_self_check_and_roster_agree(batch):
    rows, persons = [], []
    for i, fields in enumerate(batch):
        fields = dict(fields)
        fields["id_number"] = rule_cases.make_id(rule_cases.region_for(fields["home_province"]), seq=i)
        # what a blank roster cell means, said explicitly to the self-check
        fields["organized"] = fields["organizer"] is not None
        fields["has_employer"] = fields["employer"] is not None
        persons.append(Person(**fields))
        rows.append(rule_cases.roster_row(fields))
    roster = evaluate_file(rule_cases.roster_csv(rows), "random.csv", as_of=AS_OF).frame
    for i, person in enumerate(persons):
        est = estimate(person, as_of=AS_OF)
        row = roster.iloc[i]
        assert row["valid"], row["errors"]
        assert est.covered == row["covered"]
        assert est.category == row["category"]
        assert est.sichuan_helped == bool(row["sichuan_helped"])
        assert est.total_to_worker == row["total_to_worker"]
        for item in ITEMS:
            got = est.item(item)
            assert got.status == row[f"{item}_status"], item
            assert (got.amount or 0) == row[item], item
            assert got.explanation() == row[f"{item}_reason"], item
