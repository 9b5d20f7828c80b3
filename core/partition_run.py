"""``python -m core evaluate|progress ROSTER --partitions N [--engine local|dask|spark]``: the
roster staged into pieces (``core.partition_io``), every piece evaluated by
``core.partition.evaluate_partition`` on the chosen engine, the results reduced and merged.

- local: one piece per person bucket, evaluated by a pool of processes (one per core), each piece
  written as a Parquet result piece sorted by row;
- dask: the staged input batches read as a Dask frame, shuffled by bucket, one
  ``map_partitions`` call per partition (a ``LocalCluster`` of 2 workers, or ``--scheduler ADDR``);
- spark: the same batches read by Spark, ``groupBy(bucket).applyInPandas`` (``local[2]``, or the
  master ``--scheduler`` names), ``sortWithinPartitions(row)`` before writing.

On a cluster the folder of the pieces (``--work``, else beside the output) must be one the
workers can read and write (a shared file system). The result: ``--out X.csv`` one CSV merged by
row number; any other ``--out`` a folder with the Parquet dataset of the results (one file per
piece, each sorted by ``row``, the schema of ``core.partition.result_schema``) and
``summary.json``.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa

from core import partition
from core.partition_io import (BATCH_ROWS, RESULT_ROW_GROUP, Staged, keys_for, merge_csv, named, read_piece, stage,
                               write_piece, write_summary)

ENGINES = ("local", "dask", "spark")


def _evaluate_piece(piece: str, names: dict, as_of: dt.date, only_district, out: str) -> str:
    """Local engine, in a worker process: one staged bucket piece evaluated and written."""
    raw = read_piece(piece).to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    result = partition.evaluate_partition_table(named(raw, names), as_of, only_district=only_district)
    write_piece(result, out)
    del raw, result
    _release()
    return out


def _release() -> None:
    """Memory of a finished piece back to the system (Arrow's pool keeps freed blocks)."""
    import gc

    gc.collect()
    pa.default_memory_pool().release_unused()


def _local_pool(workers: int, initializer=None):
    """The local engine's worker processes, forked at once while this process is still small
    (they then share little with it; forked, they have its reference tables: the counties
    administrators added). None for one worker."""
    import multiprocessing

    if workers <= 1:
        if initializer is not None:
            initializer()
        return None
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=initializer)
    for f in [pool.submit(os.getpid) for _ in range(workers)]:
        f.result()
    return pool


def _run_local(staged: Staged, as_of, only_district, results: Path, pool, suffix: str) -> list[Path]:
    outs = [results / f"part-{i:05d}{suffix}" for i in range(len(staged.pieces))]
    if pool is None:
        for piece, out in zip(staged.pieces, outs):
            _evaluate_piece(str(piece), staged.names, as_of, only_district, str(out))
        return outs
    futures = [pool.submit(_evaluate_piece, str(p), staged.names, as_of, only_district, str(o))
               for p, o in zip(staged.pieces, outs)]
    for f in futures:
        f.result()
    return outs


def _group(frame, names, as_of, only_district):
    """Dask / Spark: the rows of some whole buckets evaluated (the partition unit)."""
    return partition.evaluate_partition(named(frame, names), as_of, only_district=only_district)


def _run_dask(staged: Staged, as_of, only_district, results: Path, n: int, scheduler: str | None) -> list[Path]:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        schema = partition.result_schema(staged.unknown)
        meta = schema.empty_table().to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
        frame = dd.read_parquet([str(p) for p in staged.pieces])
        frame = frame.shuffle(on=partition.BUCKET, npartitions=n)
        out = frame.map_partitions(_group, staged.names, as_of, only_district, meta=meta, enforce_metadata=False)
        out.to_parquet(str(results), write_index=False, schema=schema, row_group_size=RESULT_ROW_GROUP,
                       overwrite=True)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return sorted(results.glob("*.parquet"))


_SPARK = None


def spark_session(master: str | None = None):
    """One Spark session per process (``local[2]`` unless a master is named)."""
    global _SPARK
    if _SPARK is None:
        from pyspark.sql import SparkSession

        if not master or master.startswith("local"):   # the Python workers import this package
            root = str(Path(__file__).resolve().parent.parent)
            paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
            os.environ["PYTHONPATH"] = os.pathsep.join([root, *[p for p in paths if p != root]])

        _SPARK = (SparkSession.builder.master(master or "local[2]").appName("roster")
                  .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                  .config("spark.ui.enabled", "false")
                  .config("spark.ui.showConsoleProgress", "false")
                  .config("spark.driver.memory", "1g")
                  .getOrCreate())
        _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK


def _spark_schema(schema: pa.Schema):
    from pyspark.sql import types as T

    kinds = {pa.int64(): T.LongType(), pa.int32(): T.IntegerType(), pa.string(): T.StringType(),
             pa.date32(): T.DateType(), pa.float64(): T.DoubleType(), pa.bool_(): T.BooleanType()}
    return T.StructType([T.StructField(f.name, kinds[f.type], True) for f in schema])


def _run_spark(staged: Staged, as_of, only_district, results: Path, n: int, master: str | None) -> list[Path]:
    spark = spark_session(master)
    spark.conf.set("spark.sql.shuffle.partitions", str(n))
    schema = partition.result_schema(staged.unknown)
    names = staged.names

    def apply(frame):
        out = _group(frame, names, as_of, only_district)
        return out.astype({c: object for c in out.columns if str(out[c].dtype).startswith("string")})

    frame = spark.read.parquet(*[str(p) for p in staged.pieces])
    out = frame.groupBy(partition.BUCKET).applyInPandas(apply, _spark_schema(schema))
    out.sortWithinPartitions(partition.ROW).write.mode("overwrite").parquet(str(results))
    return sorted(results.glob("*.parquet"))


def run(path, n: int, engine: str = "local", scheduler: str | None = None, as_of: dt.date | None = None,
        only_district: str | None = None, work: str | None = None, workers: int | None = None,
        batch_rows: int | None = None, keep: bool = False):
    """Stage, evaluate and reduce: (result files, keys of the output columns, summary, work folder,
    staged). The caller removes the work folder when done with the files. ``keep``: the local
    engine writes Parquet result pieces (kept as the output) instead of Arrow IPC ones."""
    as_of = as_of or dt.date.today()
    folder = Path(tempfile.mkdtemp(prefix="roster-parts-", dir=work))
    pool = _local_pool(workers or min(2, os.cpu_count() or 1)) if engine == "local" else None
    try:
        staged = stage(path, folder, n, by_bucket=engine == "local", batch_rows=batch_rows or BATCH_ROWS)
        _release()
        results = folder / "result"
        results.mkdir()
        if engine == "local":
            files = _run_local(staged, as_of, only_district, results, pool, ".parquet" if keep else ".arrow")
        elif engine == "dask":
            files = _run_dask(staged, as_of, only_district, results, n, scheduler)
        elif engine == "spark":
            files = _run_spark(staged, as_of, only_district, results, n, scheduler)
        else:
            raise ValueError(engine)
        summary = combine(files, as_of, staged.blank_rows)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        if pool is not None:
            pool.shutdown()
    return files, keys_for(staged.unknown), summary, folder, staged


def _reduction_columns(f: Path, names: list[str]) -> pa.Table:
    return read_piece(f, names)


def combine(files: list[Path], as_of: dt.date, blank_rows: int) -> dict:
    from core.items import ITEMS

    cols = [partition.VALID, partition.DEADLINE, "total_to_worker", "total_payable_to_worker"]
    cols += [f"_{k}_{i}" for i in ITEMS for k in ("amount", "payable")]
    parts = [partition.partition_summary(_reduction_columns(f, cols)) for f in files]
    return partition.combine_summaries(parts, as_of, blank_rows)


def progress(files: list[Path], year: int, targets: dict | None = None) -> dict:
    cols = [partition.COUNTED_YEAR, partition.CATEGORY, partition.HELPED_NOW, "work_district"]
    parts = [partition.progress_counts(_reduction_columns(f, cols), year) for f in files]
    return partition.combine_progress(parts, year, targets)


def evaluate_to(path, out, n: int, engine: str = "local", scheduler=None, as_of=None, only_district=None,
                work=None) -> dict:
    """``evaluate --partitions``: the CSV (``out`` ending in .csv) or the Parquet dataset folder;
    returns the summary."""
    out = Path(out)
    if engine == "local" and out.suffix.lower() == ".csv":
        from core import partition_stream

        if partition_stream.streams(path):
            return partition_stream.evaluate_csv(path, out, as_of, only_district, work)
    files, keys, summary, folder, _ = run(path, n, engine, scheduler, as_of, only_district, work,
                                          keep=out.suffix.lower() != ".csv")
    try:
        if out.suffix.lower() == ".csv":
            merge_csv(files, out, keys, summary)
        else:
            out.mkdir(parents=True, exist_ok=True)
            for old in out.glob("part-*.parquet"):
                old.unlink()
            for i, f in enumerate(files):
                shutil.move(str(f), out / f"part-{i:05d}.parquet")
            from core.output import summary_json

            write_summary(out / "summary.json", summary_json(summary))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return summary


def progress_of(path, year: int, n: int, engine: str = "local", scheduler=None, as_of=None, targets=None,
                work=None) -> dict:
    """``progress --partitions``: the object of ``python -m core progress``."""
    files, _, _, folder, _ = run(path, n, engine, scheduler, as_of, None, work)
    try:
        return progress(files, year, targets)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
