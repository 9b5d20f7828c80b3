"""Rosters in partitions by person (core.partition, core.partition_io, core.partition_run) on
the local engine: every row, the summary and the progress equal to the single-process command."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import core
from core import partition, partition_run
from core.i18n import t
from core.partition_io import merge_csv, named, stage
from core.output import summary_json
from tests.partition_cases import AS_OF, YEARS, case, retyped, roster_frame, run_cli

REPO = Path(core.__file__).resolve().parent.parent


def test_person_bucket_follows_the_normalised_number():
    ids = pd.Series(["11010519491231002X", "110105 19491231 002x", "１１０１０５１９４９１２３１００２Ｘ",
                     " 11010519491231002X ", "110105194912310037", None, ""], dtype="string")
    buckets = partition.person_bucket(ids, 97, rows=np.arange(2, 9))
    assert len(set(buckets[:4].tolist())) == 1          # one person, however typed
    assert buckets[4] != buckets[0] or partition.person_bucket(ids[:1], 1000)[0] != partition.person_bucket(ids[4:5], 1000)[0]
    assert buckets.dtype == np.int32 and ((0 <= buckets) & (buckets < 97)).all()
    assert buckets[5] == 7 % 97 and buckets[6] == 8 % 97    # blank: spread by row number


def test_person_bucket_is_the_same_in_another_process():
    """Not Python's hash(): another interpreter with another hash seed gives the same buckets."""
    ids = [retyped(f"5101{k:02d}19900101{k:03d}1", k) for k in range(50)]
    here = partition.person_bucket(pd.Series(ids, dtype="string"), 16).tolist()
    code = ("import json,sys; import pandas as pd; from core.partition import person_bucket; "
            "print(json.dumps(person_bucket(pd.Series(json.loads(sys.argv[1]), dtype='string'), 16).tolist()))")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(ids)], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, "PYTHONHASHSEED": "12345"}, check=True)
    assert json.loads(out.stdout) == here


def test_csv_is_byte_for_byte_the_single_process_one(tmp_path):
    c = case()
    out = tmp_path / "parts.csv"
    code, text = run_cli("evaluate", str(c["csv"]), "--as-of", AS_OF.isoformat(), "--out", str(out), "--partitions", "7")
    assert code == 0
    assert out.read_bytes() == c["whole_csv"].read_bytes()
    assert json.loads(text)["summary"] == c["summary"]
    assert c["summary"]["blank_rows"] == 2 and c["summary"]["errors"] > 2_500   # the case has what it should


def test_progress_equals_the_single_process_one():
    c = case()
    for year in YEARS:
        code, text = run_cli("progress", str(c["csv"]), "--year", str(year), "--as-of", AS_OF.isoformat(),
                             "--partitions", "5")
        assert code == 0
        assert json.loads(text) == c["progress"][year]
    assert c["progress"][2019]["city"]["total"] > 1_000


def test_parquet_roster_in_parquet_dataset_out(tmp_path):
    c = case()
    out = tmp_path / "dataset"
    code, text = run_cli("evaluate", str(c["parquet"]), "--as-of", AS_OF.isoformat(), "--out", str(out),
                         "--partitions", "4")
    assert code == 0
    files = sorted(out.glob("part-*.parquet"))
    assert len(files) == 4
    table = pa.concat_tables([pq.read_table(f) for f in files])
    for f in files:       # each piece sorted by row
        rows = pq.read_table(f, columns=["row"]).column("row").to_numpy()
        assert (np.diff(rows) > 0).all()
    assert table.schema == partition.result_schema(["备注"])
    got = table.to_pandas().sort_values("row").reset_index(drop=True)
    whole = pd.read_csv(c["whole_csv"], encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert got["row"].tolist() == whole.iloc[:, 0].astype(int).tolist()
    assert got["errors"].fillna("").tolist() == whole.iloc[:, 2].tolist()
    assert got["total_to_worker"].tolist() == whole[t("output.total_to_worker")].astype(int).tolist()
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == json.loads(text)["summary"] == c["summary"]
    # the same roster as Parquet gives the same CSV
    csv_out = tmp_path / "from_parquet.csv"
    assert run_cli("evaluate", str(c["parquet"]), "--as-of", AS_OF.isoformat(), "--out", str(csv_out),
                   "--partitions", "3")[0] == 0
    assert csv_out.read_bytes() == c["whole_csv"].read_bytes()


def _merged(frame: pd.DataFrame, buckets: np.ndarray, tmp_path: Path, summary: dict) -> bytes:
    files = []
    for b in np.unique(buckets):
        result = partition.evaluate_partition_table(frame[buckets == b], AS_OF)
        files.append(tmp_path / f"{b}.parquet")
        pq.write_table(result, files[-1])
    out = tmp_path / "merged.csv"
    merge_csv(files, out, partition.output_columns(["备注"]), summary)
    return out.read_bytes()


def test_negative_control_partitions_on_the_number_as_typed_differ(tmp_path):
    """The same roster cut by a hash of the number AS TYPED: a person typed twice differently
    lands in two partitions, the repeat is not found, and the result differs; cut by
    ``person_bucket`` it is the single-process result."""
    c = case()
    staged = stage(c["csv"], tmp_path, 1, by_bucket=False)     # the rows as typed, with their numbers
    frame = pd.concat([named(pq.read_table(p).to_pandas(), staged.names) for p in staged.pieces], ignore_index=True)
    as_typed = (partition._fnv1a(pa.array(frame["id_number"].fillna(""), pa.large_string())) % np.uint64(6)).astype(int)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    wrong = _merged(frame, as_typed, tmp_path / "a", c["summary"])
    right = _merged(frame, partition.person_bucket(frame["id_number"], 6, frame["row"]), tmp_path / "b", c["summary"])
    whole = c["whole_csv"].read_bytes()
    assert right == whole
    assert wrong != whole
    # what differs is the repeats: fewer rows say "repeat of row …" when cut as typed
    marker = t("validate.duplicate", row="\0").partition("\0")[2].encode("utf-8")
    assert 0 < wrong.count(marker) < whole.count(marker)


def test_evaluate_partition_of_no_rows_has_the_fixed_schema():
    frame = pd.DataFrame({"name": pd.Series([], dtype="string"), "id_number": pd.Series([], dtype="string"),
                          "row": pd.Series([], dtype="int64")})
    table = partition.evaluate_partition_table(frame, AS_OF)
    assert table.num_rows == 0 and table.schema == partition.result_schema([])
    out = partition.evaluate_partition(frame, AS_OF)
    assert list(out.columns) == partition.result_schema([]).names


def test_a_gb18030_roster_goes_through_the_ordinary_reader(tmp_path):
    frame = roster_frame(2_000)
    path = tmp_path / "gbk.csv"
    frame.to_csv(path, index=False, encoding="gb18030")
    whole, parts = tmp_path / "whole.csv", tmp_path / "parts.csv"
    assert run_cli("evaluate", str(path), "--as-of", AS_OF.isoformat(), "--format", "csv", "--out", str(whole))[0] == 0
    assert run_cli("evaluate", str(path), "--as-of", AS_OF.isoformat(), "--out", str(parts), "--partitions", "3")[0] == 0
    assert parts.read_bytes() == whole.read_bytes()


def test_a_csv_that_stops_being_utf8_half_way_is_read_again_whole(tmp_path, capsys):
    """The first megabyte says UTF-8, a row after 4 MB is GB 18030: the streaming reader gives up
    after writing pieces, drops them, and the ordinary reader decides, as for the single command."""
    frame = roster_frame(40_000)
    path = tmp_path / "mixed.csv"
    text = frame.to_csv(index=False).encode("utf-8")
    path.write_bytes(text + frame.iloc[:1].to_csv(index=False, header=False).encode("gb18030"))
    assert path.stat().st_size > 4 << 20
    whole, parts = tmp_path / "whole.csv", tmp_path / "parts.csv"
    code_whole = run_cli("evaluate", str(path), "--as-of", AS_OF.isoformat(), "--format", "csv", "--out", str(whole))[0]
    err_whole = capsys.readouterr().err
    code_parts = run_cli("evaluate", str(path), "--as-of", AS_OF.isoformat(), "--out", str(parts), "--partitions", "3",
                         "--work", str(tmp_path))[0]
    assert (code_parts, capsys.readouterr().err) == (code_whole, err_whole)
    if code_whole == 0:
        assert parts.read_bytes() == whole.read_bytes()
    assert not list(tmp_path.glob("roster-parts-*"))       # the work folder is gone


@pytest.mark.parametrize("args, key", [
    ((), "partition.out_needed"),
    (("--out", "x.csv", "--format", "xlsx"), "partition.format_csv_only"),
    (("--out", "x.csv", "--partitions", "0"), "partition.bad_partitions"),
])
def test_bad_options_are_one_sentence(args, key, capsys):
    c = case()
    full = ["evaluate", str(c["csv"]), *args]
    if "--partitions" not in args:
        full += ["--partitions", "2"]
    assert run_cli(*full)[0] == 2
    err = capsys.readouterr().err.strip()
    assert err == t(key, format="xlsx")


def test_an_engine_failure_is_one_sentence_and_logged(monkeypatch, tmp_path, capsys, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(partition_run, "evaluate_to", broken)
    code, _ = run_cli("evaluate", str(case()["csv"]), "--out", str(tmp_path / "o.csv"), "--partitions", "2")
    assert code == 2
    assert capsys.readouterr().err.strip() == t("partition.engine_failed", engine="local")
    assert "worker lost" in caplog.text


def test_an_unreadable_file_is_one_sentence(tmp_path, capsys):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    code, _ = run_cli("evaluate", str(path), "--out", str(tmp_path / "o.csv"), "--partitions", "2")
    err = capsys.readouterr().err.strip()
    assert code == 2 and "Traceback" not in err and err.count("\n") == 0 and err


def test_categorical_words_become_a_dictionary_by_their_codes():
    """The batched engine's columns of the app's words: an Arrow dictionary made from the
    categorical's codes and words, the same cells as converting the categorical row by row."""
    import pyarrow as pa

    from core.partition import _column

    words = pd.Categorical.from_codes([1, 0, -1, 1, 2], categories=["可兑现", "不符合", "=x"])
    arr = _column(words, pa.string(), dictionary=True)
    assert pa.types.is_dictionary(arr.type)
    assert arr.to_pylist() == ["不符合", "可兑现", None, "不符合", "=x"]
    assert arr.to_pylist() == _column(pd.Series(words), pa.string(), dictionary=False).to_pylist()
    assert _column(pd.Series(words), pa.string(), dictionary=True).to_pylist() == arr.to_pylist()
