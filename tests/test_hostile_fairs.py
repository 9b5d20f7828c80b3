"""The dashboard's uploaded table of recruitment fairs, a file from outside like a roster: a CSV
is parsed in the reading process too (not in the server), and a table far longer than any
city's fairs is refused before its dates are parsed in the server process."""
from __future__ import annotations

import os
import time

import pytest

from core.i18n import t
from pages import _dashboard_data
from pages._dashboard_data import FairsReadError, read_fairs

HEADER = "区县,日期,举办地,企业\n"


def test_a_fairs_csv_is_parsed_in_the_reading_process(monkeypatch):
    import pandas as pd

    from core import reader_worker

    calls = []
    real = reader_worker.read_isolated

    def spy(data, filename, **kw):
        calls.append(kw.get("task"))
        return real(data, filename, **kw)

    monkeypatch.setattr(reader_worker, "read_isolated", spy)

    real_csv = pd.read_csv

    def no_csv_here(source, *a, **kw):      # the server process never parses a fairs CSV itself
        if not isinstance(source, (str, os.PathLike)):          # (its own reference tables it may)
            raise AssertionError("an uploaded CSV parsed in the server process")
        return real_csv(source, *a, **kw)

    monkeypatch.setattr(pd, "read_csv", no_csv_here)
    fairs = read_fairs((HEADER + "柯桥区,2018-05-01,金川县,甲公司\n").encode("gb18030"), "fairs.csv")
    assert calls == ["sheet"]
    assert fairs["district"].tolist() == ["柯桥区"] and fairs["venue"].tolist() == ["金川县"]


@pytest.mark.parametrize("data, key", [
    (b"", "reader.empty"),
    (b"\xef\xbb\xbf", "reader.empty"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "reader.not_table"),
    ("区县,日期\n".encode("utf-16"), None),
], ids=["empty", "bom", "png", "utf16"])
def test_broken_fairs_files_are_one_sentence(data, key):
    with pytest.raises(FairsReadError) as info:
        read_fairs(data, "fairs.csv")
    text = str(info.value)
    assert "\n" not in text and "Traceback" not in text and "/" not in text
    if key:
        assert text == t(key)


def test_a_fairs_table_longer_than_any_citys_is_refused_before_its_dates_are_parsed(monkeypatch):
    import pandas as pd

    rows = _dashboard_data.MAX_FAIR_ROWS + 1
    data = (HEADER + "".join(f"越城区,{i % 28 + 1} March {1900 + i % 200},四川,x\n" for i in range(rows))).encode()
    parsed = []
    real = pd.to_datetime
    monkeypatch.setattr(pd, "to_datetime", lambda *a, **kw: parsed.append(1) or real(*a, **kw))
    started = time.perf_counter()
    with pytest.raises(FairsReadError) as info:
        read_fairs(data, "fairs.csv")
    assert str(info.value) == t("hostile.fairs_too_many_rows", rows=f"{rows:,}", limit=f"{_dashboard_data.MAX_FAIR_ROWS:,}")
    assert not parsed and time.perf_counter() - started < 10


def test_a_fairs_table_within_the_limit_is_read():
    data = (HEADER + "越城区,2018-05-01,四川,甲\n" * 50).encode()
    assert len(read_fairs(data, "fairs.csv")) == 50
