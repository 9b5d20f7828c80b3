"""Cell lengths in the streamed engine (core.partition_stream): checked once per batch, where the
batch is read (the streaming reader's ``_prepare``, or the ordinary reader for a file it leaves to
it), not again in the worker; a too-long cell still refuses the file; the cluster unit
(``core.partition.export_table``) still checks by default."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from core import normalize, partition, partition_stream, reader_limits
from core.reader_base import RosterReadError
from tests.partition_cases import AS_OF, roster_frame, run_cli

LONG = "长" * (reader_limits.EXCEL_MAX_CELL_CHARS + 1)


def _counted(monkeypatch) -> list[int]:
    """Rows of every table check_cell_lengths looks at (in this process)."""
    calls: list[int] = []
    real = reader_limits.check_cell_lengths
    monkeypatch.setattr(reader_limits, "check_cell_lengths",
                        lambda table, rows: calls.append(table.num_rows) or real(table, rows))
    return calls


def _run(path, out, **kw):
    try:        # one worker: the batches are evaluated in this process, where the count is taken
        return partition_stream.evaluate_csv(path, out, AS_OF, workers=1, **kw)
    finally:
        normalize.remember_parsed(False)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])   # streamed, and left to the ordinary reader
def test_each_batch_checked_once_and_the_csv_unchanged(tmp_path, monkeypatch, encoding):
    frame = roster_frame(3_000)
    path = tmp_path / "roster.csv"
    frame.to_csv(path, index=False, encoding=encoding)
    whole = tmp_path / "whole.csv"
    assert run_cli("evaluate", str(path), "--as-of", AS_OF.isoformat(), "--format", "csv", "--out", str(whole))[0] == 0
    calls = _counted(monkeypatch)
    out = tmp_path / "stream.csv"
    _run(path, out, batch_rows=1_000)
    assert out.read_bytes() == whole.read_bytes()
    if encoding == "utf-8-sig":
        # every row looked at once: the reader's blocks, each once (not again per batch in the worker)
        assert sum(calls) == len(frame) - 2      # the two blank rows are dropped before the check
    else:
        assert calls == []     # the ordinary reader checked them in its own process


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
@pytest.mark.parametrize("at", [5, 2_500])           # in the first batch, in a later one
def test_a_too_long_cell_still_refuses_the_file(tmp_path, encoding, at):
    frame = roster_frame(3_000)
    frame.iloc[at, 3] = LONG
    path = tmp_path / "roster.csv"
    frame.to_csv(path, index=False, encoding=encoding)
    with pytest.raises(RosterReadError) as err:
        _run(path, tmp_path / "out.csv", batch_rows=1_000)
    assert err.value.key == "cell_too_long"
    assert err.value.fmt["row"] == at + 2       # the header is row 1 (the blank rows are in the frame)


def test_the_cluster_unit_still_checks_unless_told(tmp_path):
    table = pa.table({"name": pa.array(["张三", LONG]), "id_number": pa.array([None, None], pa.string()),
                      partition.ROW: pa.array(np.array([2, 3], dtype=np.int64))})
    with pytest.raises(RosterReadError) as err:
        partition.export_table(table, AS_OF)
    assert err.value.key == "cell_too_long" and err.value.fmt["row"] == 3
    out, _ = partition.export_table(table, AS_OF, lengths_checked=True)
    assert out.num_rows == 2


def test_numbered_batches_count_rows_across_batches_past_the_blank_ones():
    """One home for the batches' row numbers (core.partition_io.Numbered), used by the staged and
    the streamed engines: a row's number is its line in the sheet whatever batch it is in."""
    from core.partition_io import ROW, Numbered

    cells = [["a", None, "b"], ["  ", "c"], [None, "\u200b", "d", "e"]]     # 4 blank rows, 3 in later batches
    batches = [pa.table({"c0": pa.array(b, pa.string())}) for b in cells]
    numbered = Numbered(iter(batches), header_row=3)
    got = [(t.column("c0").to_pylist(), t.column(ROW).to_pylist()) for t in numbered]
    assert got == [(["a", "b"], [4, 6]), (["c"], [8]), (["d", "e"], [11, 12])]
    assert numbered.blank_rows == 4
    given = Numbered(iter(pa.table({"c0": pa.array(b, pa.string())}) for b in cells),
                     header_row=0, rows=np.arange(20, 29, dtype=np.int64))
    assert [t.column(ROW).to_pylist() for t in given] == [[20, 21, 22], [23, 24], [25, 26, 27, 28]]
    assert given.blank_rows == 0
