"""The local engine in contiguous batches (core.partition_stream): repeats found in one pass over
the file, batches evaluated in worker processes, the CSV byte for byte the single-process one."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core import normalize, partition_stream, reference
from core.i18n import t
from tests.partition_cases import AS_OF, case, roster_frame, run_cli

DATA = Path(reference.__file__).resolve().parent.parent / "data"
SUCCESSOR = Path(__file__).resolve().parent / "policies"
MARKER = t("validate.duplicate", row="\0").partition("\0")[2].encode("utf-8")


def whole_csv(path: Path, tmp_path: Path, as_of: dt.date = AS_OF) -> bytes:
    out = tmp_path / "whole.csv"
    assert run_cli("evaluate", str(path), "--as-of", as_of.isoformat(), "--format", "csv", "--out", str(out))[0] == 0
    return out.read_bytes()


def test_first_rows_across_batches():
    seen = partition_stream.FirstRows()
    got = seen.repeats(np.array([5, 7, 5, -1, 7]), np.array([2, 3, 4, 5, 6]))
    assert got.tolist() == [-1, -1, 2, -1, 3]
    got = seen.repeats(np.array([7, 9, 5, 9, -1]), np.array([10, 11, 12, 13, 14]))
    assert got.tolist() == [3, -1, 2, 11, -1]
    for k in range(20):       # many batches: the runs are merged, the first rows kept
        seen.repeats(np.array([100 + k, 5]), np.array([20 + 2 * k, 21 + 2 * k]))
    assert len(seen.runs) < 8
    assert seen.repeats(np.array([100, 119, 9, 500]), np.array([90, 91, 92, 93])).tolist() == [20, 58, 11, -1]


def test_batches_give_the_single_process_csv_and_summary(tmp_path):
    """Batches of 4,000 rows in two worker processes: a repeat's first row is mostly in an
    earlier batch, and every repeat still quotes it."""
    c = case()
    out = tmp_path / "stream.csv"
    summary = partition_stream.evaluate_csv(c["csv"], out, AS_OF, batch_rows=4_000, workers=2, work=tmp_path)
    assert out.read_bytes() == c["whole_csv"].read_bytes()
    from core.output import summary_json

    assert summary_json(summary) == c["summary"]
    assert not list(tmp_path.glob("roster-stream-*"))      # the work folder is gone


def test_negative_control_without_the_pass_over_the_file(tmp_path, monkeypatch):
    """The same batches with repeats looked for only inside each batch: the repeats whose first
    row is in another batch are missed and the CSV differs."""
    c = case()

    class InBatch(partition_stream.FirstRows):
        def repeats(self, person, rows):
            self.runs = []
            return super().repeats(person, rows)

    monkeypatch.setattr(partition_stream, "FirstRows", InBatch)
    out = tmp_path / "wrong.csv"
    partition_stream.evaluate_csv(c["csv"], out, AS_OF, batch_rows=4_000, workers=1)
    wrong, whole = out.read_bytes(), c["whole_csv"].read_bytes()
    assert wrong != whole
    assert 0 < wrong.count(MARKER) < whole.count(MARKER)


def test_the_command_line_takes_the_batches(tmp_path, monkeypatch):
    calls = []
    real = partition_stream.evaluate_csv
    monkeypatch.setattr(partition_stream, "evaluate_csv", lambda *a, **k: calls.append(a) or real(*a, **k))
    c = case()
    out = tmp_path / "cli.csv"
    code, text = run_cli("evaluate", str(c["csv"]), "--as-of", AS_OF.isoformat(), "--out", str(out), "--partitions", "4")
    assert code == 0 and len(calls) == 1
    assert out.read_bytes() == c["whole_csv"].read_bytes()
    assert json.loads(text)["summary"] == c["summary"]


def test_a_column_without_header_goes_the_bucketed_way(tmp_path, monkeypatch):
    """Whether a column with no header is kept is known at the end of the file only."""
    frame = roster_frame(3_000)
    frame[""] = np.where(np.arange(len(frame)) == 2_900, "晚到的数据", None)
    path = tmp_path / "noheader.csv"
    frame.to_csv(path, index=False, encoding="utf-8")
    assert not partition_stream.streams(path)
    assert partition_stream.streams(case()["csv"])
    monkeypatch.setattr(partition_stream, "evaluate_csv", None)     # never called
    out = tmp_path / "parts.csv"
    assert run_cli("evaluate", str(path), "--as-of", AS_OF.isoformat(), "--out", str(out), "--partitions", "3")[0] == 0
    assert out.read_bytes() == whole_csv(path, tmp_path)


def test_a_file_that_stops_being_utf8_after_some_batches(tmp_path, capsys):
    """Batches already handed out are dropped and the file is left to the ordinary reader, which
    decides as it does for the single-process command (here: one sentence, not a table)."""
    from core.reader_base import RosterReadError

    frame = roster_frame(40_000)
    path = tmp_path / "mixed.csv"
    path.write_bytes(frame.to_csv(index=False).encode("utf-8")
                     + frame.iloc[:1].to_csv(index=False, header=False).encode("gb18030"))
    assert run_cli("evaluate", str(path), "--format", "csv", "--out", str(tmp_path / "whole.csv"))[0] == 2
    said = capsys.readouterr().err.strip()
    with pytest.raises(RosterReadError) as refused:
        partition_stream.evaluate_csv(path, tmp_path / "stream.csv", AS_OF, batch_rows=3_000, workers=2,
                                      work=tmp_path)
    assert str(refused.value) == said
    assert not list(tmp_path.glob("roster-stream-*"))


def test_a_roster_of_headers_only(tmp_path):
    path = tmp_path / "empty.csv"
    roster_frame(20).iloc[:0].to_csv(path, index=False, encoding="utf-8-sig")
    out = tmp_path / "stream.csv"
    summary = partition_stream.evaluate_csv(path, out, AS_OF, workers=1)
    assert out.read_bytes() == whole_csv(path, tmp_path)
    assert summary["rows"] == 0


@pytest.fixture
def successor():
    reference.use_policy_dirs([DATA / "policy", SUCCESSOR])
    try:
        yield
    finally:
        reference.use_policy_dirs([DATA / "policy"])


def test_closed_rows_quote_the_deadline_of_the_policies_the_file_uses(tmp_path, successor):
    """With a later policy in force that none of the rows is under, 兑现状态 quotes the notice's
    deadline (the workers first assumed the later one, and the batches are written again)."""
    as_of = dt.date(2022, 6, 1)           # after the notice's deadline, before the successor's
    frame = roster_frame(3_000)
    header = {c.field: c.header for c in reference.columns()}["first_employment_date"]
    first = pd.to_datetime(frame[header], errors="coerce")
    frame = frame[first < "2021-01-01"]     # every row under the notice
    path = tmp_path / "old.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    out = tmp_path / "stream.csv"
    summary = partition_stream.evaluate_csv(path, out, as_of, batch_rows=1_000, workers=2)
    notice = reference.policies()[0]["claim_deadline"]
    assert summary["claim_deadline"] == notice.isoformat() < reference.policies()[-1]["claim_deadline"].isoformat()
    assert out.read_bytes() == whole_csv(path, tmp_path, as_of)
    from core.output import _day

    assert t("output.claim_closed", deadline=_day(notice, "zh")).encode("utf-8") in out.read_bytes()


def test_one_worker_in_this_process_forgets_what_it_remembered(tmp_path):
    """With one worker the batches run in the calling process (``_local_pool`` returns None):
    the parsers' memory is switched on for them and off again after, so a process that goes on
    (a test run, a caller of the library) does not keep parsing results across later rosters."""
    from core import parse_base

    c = case()
    assert parse_base._MEMO is None
    partition_stream.evaluate_csv(c["csv"], tmp_path / "out.csv", AS_OF, batch_rows=4_000, workers=1)
    assert parse_base._MEMO is None
    assert (tmp_path / "out.csv").read_bytes() == c["whole_csv"].read_bytes()


def test_parsers_remember_what_they_read_only_when_asked(monkeypatch):
    calls = []

    def level(text):
        calls.append(text)
        return text

    values = pd.Series(["a", "b", "a", None], dtype="string")
    try:
        normalize.remember_parsed(True)
        for _ in range(3):
            _, status, parsed = normalize._by_unique(values, normalize._parser(level))
        assert calls == ["a", "b"] and parsed == ["a", "b"]
        normalize.remember_parsed(False)
        normalize._by_unique(values, normalize._parser(level))
        assert calls == ["a", "b", "a", "b"]
        first = normalize.parse_date(pd.Series(["2019-03-01", "2019/3/1", "x"], dtype="string"))
        normalize.remember_parsed(True)
        for _ in range(2):
            again = normalize.parse_date(pd.Series(["2019-03-01", "2019/3/1", "x"], dtype="string"))
            assert again.values.equals(first.values) and (again.invalid == first.invalid).all()
    finally:
        normalize.remember_parsed(False)


def test_the_default_command_takes_the_batches_for_a_large_csv(tmp_path, monkeypatch, capsys):
    """``evaluate --format csv --out`` of a CSV over ``core.cli.STREAM_BYTES``: the same bytes,
    nothing printed (as the single-process command); a smaller one, JSON or xlsx stay whole."""
    import core.cli

    calls = []
    real = partition_stream.evaluate_csv
    monkeypatch.setattr(partition_stream, "evaluate_csv", lambda *a, **k: calls.append(a) or real(*a, **k))
    c = case()
    out = tmp_path / "default.csv"
    assert run_cli("evaluate", str(c["csv"]), "--as-of", AS_OF.isoformat(), "--format", "csv", "--out", str(out)) == (0, "")
    assert calls == []                                  # 6 MB: under the threshold, one process
    monkeypatch.setattr(core.cli, "STREAM_BYTES", c["csv"].stat().st_size)
    assert run_cli("evaluate", str(c["csv"]), "--as-of", AS_OF.isoformat(), "--format", "csv", "--out", str(out)) == (0, "")
    assert len(calls) == 1
    assert out.read_bytes() == c["whole_csv"].read_bytes()
    code, text = run_cli("evaluate", str(c["csv"]), "--as-of", AS_OF.isoformat(), "--format", "json")
    assert code == 0 and len(calls) == 1 and json.loads(text)["summary"] == c["summary"]
    bad = tmp_path / "no-such-folder" / "x.csv"
    assert run_cli("evaluate", str(c["csv"]), "--format", "csv", "--out", str(bad))[0] == 2
    assert capsys.readouterr().err.strip() == t("cli.cannot_write", path=str(bad))


def test_first_rows_runs_stay_sorted_when_merged():
    rng = np.random.default_rng(1)
    people = rng.permutation(200_000)[:60_000].astype(np.int64) * 7 + 3
    seen = partition_stream.FirstRows()
    for k in range(0, 60_000, 997):
        assert (seen.repeats(people[k:k + 997], np.arange(k, k + 997) + 2) == -1).all()     # all new
    keys = np.concatenate([run[0] for run in seen.runs])
    assert sorted(keys.tolist()) == sorted(people.tolist()) and len(seen.runs) <= 17
    for run_keys, run_rows in seen.runs:
        assert (np.diff(run_keys) > 0).all()
        assert (people[run_rows - 2] == run_keys).all()          # each key kept with its own first row
    again = seen.repeats(people[::-1][:500], np.arange(500) + 10**6)
    assert (again == np.flatnonzero(np.isin(people, people[::-1][:500]))[::-1] + 2).all()


def test_a_district_officers_run_is_the_single_process_one(tmp_path):
    """``--district``: rows of other districts are errors, in batches as in one process."""
    c = case()
    district = reference.districts()["name"].iloc[1]
    whole = tmp_path / "whole.csv"
    assert run_cli("evaluate", str(c["csv"]), "--as-of", AS_OF.isoformat(), "--district", district, "--format", "csv",
                   "--out", str(whole))[0] == 0
    out = tmp_path / "stream.csv"
    summary = partition_stream.evaluate_csv(c["csv"], out, AS_OF, only_district=district, batch_rows=7_000, workers=2)
    assert out.read_bytes() == whole.read_bytes()
    assert summary["errors"] > c["summary"]["errors"] + 10_000       # the other districts' rows


def test_batches_are_cut_to_their_size():
    import pyarrow as pa

    blocks = [pa.table({"a": list(range(k, k + n))}) for k, n in ((0, 5), (5, 0), (5, 12), (17, 3))]
    got = list(partition_stream._gathered(blocks, 7))
    assert [t.num_rows for t in got] == [7, 7, 6]
    assert sum((t.column("a").to_pylist() for t in got), []) == list(range(20))
    empty = list(partition_stream._gathered([pa.table({"a": pa.array([], pa.int64())})], 7))
    assert [t.num_rows for t in empty] == [0] and empty[0].schema.names == ["a"]
    assert list(partition_stream._gathered([], 7)) == []


def test_cells_a_spreadsheet_would_run_are_quoted_as_in_one_process(tmp_path):
    """The batches make their columns safe in Arrow (``core.cells.safe_array``): formulas typed in
    names, employers, counties and the officer's own column come out as the single process
    writes them (quoted), plain numbers and the app's words untouched."""
    frame = roster_frame(3_000)
    cols = list(frame.columns)
    rows = np.arange(3, len(frame), 97)
    frame.iloc[rows, 0] = "=HYPERLINK(\"http://x\")"                 # 姓名
    frame.iloc[rows + 1, cols.index("用人单位")] = "@SUM(A1)"
    frame.iloc[rows + 2, cols.index("户籍县（市、区）")] = "+cmd|' /C calc'!A0"
    frame["备注"] = np.where(np.arange(len(frame)) % 5 == 0, "-2+3", "-5")
    path = tmp_path / "live.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    out = tmp_path / "stream.csv"
    partition_stream.evaluate_csv(path, out, AS_OF, batch_rows=700, workers=1)
    whole = whole_csv(path, tmp_path)
    assert out.read_bytes() == whole
    text = whole.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text and "'+cmd" in text
    assert '"\'-2+3"\n' in text and '"-5"\n' in text
