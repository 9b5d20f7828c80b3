"""Text an administrator or officer typed, quoted back in a refusal, is shown as typed: never read
as Markdown (a link, an image, a colour directive, LaTeX)."""
from __future__ import annotations

import pytest

from core.i18n import t
from pages._common import plain
from tests.db_conftest_helpers import sqlite_db, user  # noqa: F401  (fixtures)
from tests.test_db_pages import page

LINK = "[a](javascript:alert(1))"


@pytest.mark.parametrize("field", ["county_code", "county_old_codes"])
def test_a_county_code_quoted_in_a_refusal_is_not_markdown(sqlite_db, field):
    admin = user("admin")
    at = page("admin_targets.py", admin).run()
    at.text_input(key="county_code").input(LINK if field == "county_code" else "513437")
    at.text_input(key="county_name").input("雷波县")
    if field == "county_old_codes":
        at.text_input(key="county_old_codes").input(LINK)
    next(b for b in at.button if b.proto.form_id == "db_county_add").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors == [plain(t("db.counties.bad_code", code=LINK))]
    assert not [e for e in errors if "](" in e]
