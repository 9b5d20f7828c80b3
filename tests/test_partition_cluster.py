"""The partition unit on Dask (a LocalCluster of 2 workers) and Spark (local[2]): the same
50,000-row roster, staged in input partitions of 5,000 rows so that the re-typed repeats of a
person sit in different input partitions; every row, the summary and the progress equal to the
single-process command.

Skipped, with the reason, only when dask.distributed, pyspark or Java is absent; mandatory under
REQUIRE_SPARK=1 (.ci/run)."""
from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

from core import partition_run
from core.output import summary_json
from core.partition_io import merge_csv
from tests.partition_cases import AS_OF, YEARS, case


def _missing(engine: str) -> str | None:
    if engine == "dask" and importlib.util.find_spec("distributed") is None:
        return "dask[distributed] is not installed"
    if engine == "spark":
        if importlib.util.find_spec("pyspark") is None:
            return "pyspark is not installed"
        if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
            return "no Java runtime for Spark"
    return None


def _require(engine: str) -> None:
    reason = _missing(engine)
    if reason is None:
        return
    if os.environ.get("REQUIRE_SPARK") == "1":
        pytest.fail(f"REQUIRE_SPARK=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session", params=["dask", "spark"])
def engine_run(request, tmp_path_factory):
    """One run per engine and test session (Spark starts once: ~20 s)."""
    engine = request.param
    _require(engine)
    c = case()
    files, keys, summary, folder, staged = partition_run.run(c["csv"], 6, engine, as_of=AS_OF, batch_rows=5_000)
    yield {"engine": engine, "files": files, "keys": keys, "summary": summary, "staged": staged}
    shutil.rmtree(folder, ignore_errors=True)


def test_input_partitions_hold_the_repeats_apart(engine_run):
    assert len(engine_run["staged"].pieces) == 11       # 50,002 rows in pieces of 5,000


def test_every_row_equals_the_single_process_command(engine_run, tmp_path):
    out = tmp_path / f"{engine_run['engine']}.csv"
    merge_csv(engine_run["files"], out, engine_run["keys"], engine_run["summary"])
    assert out.read_bytes() == case()["whole_csv"].read_bytes()


def test_summary_equals(engine_run):
    assert summary_json(engine_run["summary"]) == case()["summary"]


def test_progress_equals(engine_run):
    for year in YEARS:
        assert partition_run.progress(engine_run["files"], year) == case()["progress"][year]
