"""Migrations match the models; targets and local standards; event entries."""
from __future__ import annotations

import datetime as dt

import pytest

from core import reference
from core.db import audit, events, targets
from core.db.accounts import AccountError
from tests.db_conftest_helpers import db, pg_db, pg_server, sqlite_db, user  # noqa: F401  (fixtures)
from tests.test_db_cli import HEAD


def test_migrations_create_exactly_the_models(db):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from core.db.models import include_name, include_object, metadata
    from core.db.session import engine

    with engine().connect() as conn:
        # on PostgreSQL the partitions of payments and roster_rows (0007) are not schema tables
        # and the two foreign keys PostgreSQL does not keep (0009)
        ctx = MigrationContext.configure(conn, opts={"include_name": include_name, "include_object": include_object})
        assert ctx.get_current_revision() == HEAD
        assert compare_metadata(ctx, metadata) == []


def test_targets_notice_year_fixed_later_years_entered_and_audited(db):
    admin = user("admin")
    officer = user("city_officer")
    notice = reference.notice_targets()[2018]
    assert targets.get_targets(2018)["total"] == notice["total"]
    with pytest.raises(AccountError):
        targets.set_targets(2018, {"total": 1}, admin)
    with pytest.raises(AccountError):
        targets.set_targets(2019, {"total": 1}, officer)
    with pytest.raises(AccountError):
        targets.set_targets(2019, {"total": -3}, admin)
    assert targets.get_targets(2019) is None
    for bad, key in (({"total": 2000, "paired_four": 500, "other_central_western": 1000}, "sum_differs"),
                     ({"paired_four": 500, "sichuan_helped": 600}, "sichuan_over")):
        with pytest.raises(AccountError) as err:      # measures that do not hold together
            targets.set_targets(2019, bad, admin)
        assert err.value.key == f"db.targets.{key}"
    targets.set_targets(2019, {"total": 2000, "paired_four": "500"}, admin)
    targets.set_targets(2019, {"total": 2100, "paired_four": 500}, admin)
    targets.set_targets(2018, {"total": 300}, admin, district="柯桥区")
    assert targets.get_targets(2019) == {"total": 2100, "paired_four": 500, "other_central_western": None,
                                         "sichuan_helped": None}
    assert targets.get_targets(2018, "柯桥区")["total"] == 300
    log = audit.entries(action="target_set")
    assert len(log) == 3 and '"old": {"total": 2000' in log["detail"].iloc[1]
    from core.db.cli import progress_from_db

    assert progress_from_db(2019)["targets"]["total"] == 2100
    assert progress_from_db(2018)["targets"]["total"] == notice["total"]
    # local standards the notice defers to
    keys = targets.standard_keys()
    assert "love_post.monthly" in keys
    from core import i18n
    assert all(i18n.has(f"db.standard_label.{k}", lang) for k in keys for lang in ("zh", "en"))
    targets.set_standard("love_post.monthly", 2010, admin)
    assert targets.get_standards() == {"love_post.monthly": 2010.0}
    with pytest.raises(AccountError):
        targets.set_standard("rent.monthly", 1, admin)           # the notice sets it: not a local standard
    for bad in ("三百元", -1, "nan", "inf"):                    # an amount a month, said as such
        with pytest.raises(AccountError) as err:
            targets.set_standard("love_post.monthly", bad, admin)
        assert err.value.key == "db.targets.bad_standard"
    assert targets.get_standards() == {"love_post.monthly": 2010.0}


def test_events_entered_and_withdrawn(db):
    officer = user("city_officer")
    ke = user("district_officer", "ke", "柯桥区")
    with pytest.raises(AccountError):
        events.add_fair(ke, "柯桥区", dt.date(2018, 5, 1), "金川县", ["甲"])
    with pytest.raises(AccountError):
        events.add_fair(officer, "柯桥区", dt.date(2018, 5, 1), "金川县", [" ", ""])
    fid = events.add_fair(officer, "绍兴市柯桥区", dt.date(2018, 5, 1), "金川县", ["甲公司", "乙公司", "甲公司"])
    events.add_fair(officer, "越城区", dt.date(2019, 5, 1), "马边彝族自治县", ["丙公司"])
    f = events.fairs_frame(2018)
    assert list(f["enterprise"]) == ["甲公司", "乙公司"] and set(f["district"]) == {"柯桥区"}
    with pytest.raises(AccountError):
        events.add_base(officer, "某基地", "city", 2018, 30)
    events.add_base(officer, "某基地", "national", 2018, 25)
    for bad in ("123456", "513226199001010011"):     # not an ID number; a wrong check character
        with pytest.raises(AccountError) as err:
            events.add_love_post(officer, "某单位", 2018, 10, person_name="李四", id_number=bad)
        assert err.value.key.startswith("values.id_")   # the roster's own reason
    assert len(events.love_posts_frame()) == 0
    pid = events.add_love_post(officer, "某单位", 2018, 10, person_name="李四", id_number="513226199001010015")
    posts = events.love_posts_frame(2018)
    assert posts["id_number_masked"].iloc[0] == "51**************15"
    assert "199001010015" not in "".join(map(str, posts.iloc[0].tolist()))
    events.withdraw_event("fair", fid, officer)
    assert len(events.fairs_frame(2018)) == 0
    assert len(events.love_posts_frame()) == 1 and pid
    acts = list(audit.entries()["action"])
    assert acts.count("event_add") == 4 and acts.count("event_withdraw") == 1


def test_every_db_message_key_used_exists_in_chinese():
    import re

    from core.i18n import catalog
    from core.paths import ROOT

    zh = catalog("zh")
    files = list((ROOT / "core" / "db").glob("*.py")) + [ROOT / "pages" / n for n in (
        "login.py", "admin_users.py", "admin_audit.py", "admin_targets.py", "events.py")]
    used = set()
    for f in files:
        text = f.read_text(encoding="utf-8")
        used |= {f"db.{k}" for k in re.findall(r'''t\(\s*["']db\.([a-z_.]+)["']''', text)}
        used |= {f"db.{k}" for k in re.findall(r'''_t\(\s*["']([a-z_.]+)["']''', text)}
    assert used and sorted(k for k in used if k not in zh) == []
