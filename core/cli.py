"""The command line (ROSTER.md):

    python -m core evaluate ROSTER [--as-of YYYY-MM-DD] [--format json|csv|xlsx] [--out FILE]
    python -m core evaluate ROSTER --out DIR_OR_FILE --partitions N [--engine local|dask|spark] [--scheduler ADDR]
    python -m core progress ROSTER --year YYYY [--format json|csv|xlsx] [--out FILE] [--partitions N --engine …]
    python -m core template --format xlsx|csv [--out FILE]

Exit status: 0 when the file was read (even if rows have errors), 2 when it could not be read
(a missing file is named by its path) or the --out file cannot be written, and when an xlsx
would go to a terminal (it asks for --out): one sentence on standard error. Help, usage and
argument errors are in Chinese (core/cli_argparse.py). Storage commands (``db``,
``users``, ``import``, ``demo``, ``counties``, ``progress --from-db``) come from ``core.db.cli``;
when a database is set up, ``evaluate`` and ``progress`` first read the Sichuan helped counties
administrators added there.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from core.i18n import CatalogError, join_enum, t

EXIT_UNREADABLE = 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(t("cli.bad_date", value=text)) from exc


def _district(text: str) -> str:
    """--district as a roster cell is read (绍兴市柯桥区, 绍兴县 …), as its canonical name."""
    import pandas as pd

    from core import normalize, reference

    parsed = normalize.parse_district(pd.Series([text], dtype="string"))
    if parsed.invalid[0] or parsed.blank[0]:
        names = join_enum(reference.districts()["name"])
        raise argparse.ArgumentTypeError(t("cli.bad_district", value=text, districts=names))
    return str(parsed.values.iloc[0])


def _write(data: bytes | str, out: str | None) -> None:
    """Text (JSON) to the terminal ends with a newline; files and binary output are written as is."""
    text = isinstance(data, str)
    if text:
        data = data.encode("utf-8")
    if out:
        Path(out).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        if text and not data.endswith(b"\n"):
            sys.stdout.buffer.write(b"\n")
        sys.stdout.buffer.flush()


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_UNREADABLE


def _write_out(args, write) -> int:
    """Run ``write()``; an --out file that cannot be written (no such folder, a folder, no
    permission) is one sentence and exit status 2, not a traceback."""
    try:
        write()
    except OSError:
        if not args.out:   # the terminal itself (a closed pipe): not ours to explain
            raise
        return _fail(t("cli.cannot_write", path=args.out))
    return 0


class _MissingFile(CatalogError):
    """A roster path that does not exist (caught with the reader's refusals: exit status 2)."""


def _read(path: str):
    """The roster file named on the command line: a regular file only, parsed in a separate
    process with memory and time limits (core.reader_worker). A path that does not exist is
    named as it was typed."""
    from core.reader import read_path_isolated

    if not Path(path).exists():
        raise _MissingFile("cli.missing_file", path=path)
    return read_path_isolated(path)[1]


def _binary_to_terminal(args) -> bool:
    """An xlsx asked for without --out while standard output is a terminal: refused, it would
    print a screenful of bytes (exit status 2, one sentence asking for --out)."""
    if args.format == "xlsx" and not args.out and sys.stdout.isatty():
        _fail(t("cli.xlsx_to_terminal"))
        return True
    return False


def _load_added_counties() -> None:
    """The Sichuan helped counties administrators added (core.db.counties), when the storage is
    installed and a database is set up; the file's list otherwise."""
    try:
        from core.db.cli import load_added_counties
    except ImportError:
        return
    load_added_counties()


def _partitioned(args, run) -> int:
    """``--partitions N``: the roster in pieces by person (core.partition_run)."""
    from core.reader import RosterReadError

    if not 1 <= args.partitions <= 100_000:
        return _fail(t("partition.bad_partitions"))
    try:
        import core.partition_run  # noqa: F401
        if args.engine == "dask":
            import distributed  # noqa: F401
        elif args.engine == "spark":
            import pyspark  # noqa: F401
    except ImportError:
        return _fail(t("partition.engine_missing", engine=args.engine))
    _load_added_counties()
    try:
        return run()
    except RosterReadError as exc:
        return _fail(str(exc))
    except Exception:    # a worker, the cluster or Java failed: logged, one sentence here
        import logging

        logging.getLogger(__name__).exception("partitioned evaluation failed on %s", args.engine)
        return _fail(t("partition.engine_failed", engine=args.engine))


#: a CSV or Parquet roster of at least this many bytes, asked for as a CSV file, goes through the
#: local engine in batches (core.partition_stream): the same bytes, in memory that does not grow
#: with the file (1,000,000 rows are about 127 MB)
STREAM_BYTES = 64 << 20


def _streams(args) -> bool:
    """``evaluate ROSTER --format csv --out X.csv`` of a large CSV or Parquet roster."""
    path = Path(args.roster)
    if args.format != "csv" or not args.out or path.suffix.lower() not in (".csv", ".parquet"):
        return False
    try:
        if not path.is_file() or path.stat().st_size < STREAM_BYTES:
            return False
    except OSError:
        return False
    from core.partition_stream import streams

    return streams(path)


def cmd_evaluate(args) -> int:
    from core import output
    from core.engine import evaluate_roster
    from core.reader import RosterReadError

    if args.partitions is None and _streams(args):
        def run() -> int:
            from core.partition_stream import evaluate_csv

            return _write_out(args, lambda: evaluate_csv(args.roster, args.out, args.as_of, args.district, args.work))
        args.partitions, args.engine = 1, "local"
        return _partitioned(args, run)

    if args.partitions is not None:
        if not args.out:
            return _fail(t("partition.out_needed"))
        if args.format not in (None, "csv"):
            return _fail(t("partition.format_csv_only", format=args.format))

        def run() -> int:
            from core.partition_run import evaluate_to

            def write():
                summary = evaluate_to(args.roster, args.out, args.partitions, args.engine, args.scheduler,
                                      args.as_of, args.district, args.work)
                _write(json.dumps({"summary": output.summary_json(summary)}, ensure_ascii=False), None)
            return _write_out(args, write)
        return _partitioned(args, run)
    args.format = args.format or "json"
    if _binary_to_terminal(args):
        return EXIT_UNREADABLE
    try:
        raw = _read(args.roster)
    except (RosterReadError, _MissingFile) as exc:
        return _fail(str(exc))
    _load_added_counties()
    result = evaluate_roster(raw, as_of=args.as_of, only_district=args.district)

    def write():
        if args.format == "json":
            _write(output.to_json(result), args.out)
        elif args.format == "csv":
            if args.out:
                output.write_csv(result, args.out)
            else:
                _write(output.to_csv_bytes(result), None)
        else:
            _write(output.to_xlsx_bytes(result), args.out)

    return _write_out(args, write)


def _stored_targets(year: int) -> dict | None:
    """The year's targets an administrator entered, when a database is set up (2019 and later
    are set by the province each year, RULES.md); None otherwise, and the notice's 2018 figures
    apply."""
    try:
        from core.db import config
        if not config.configured():
            return None
        from core.db.targets import stored_targets
    except ImportError:
        return None
    return stored_targets(year)


def cmd_progress(args) -> int:
    from core.engine import evaluate_roster
    from core.progress import progress
    from core.reader import RosterReadError

    if _binary_to_terminal(args):
        return EXIT_UNREADABLE
    if args.from_db:
        try:
            from core.db.stored_progress import stored_progress
        except ImportError:
            return _fail(t("cli.no_db"))
        report, demo_rows = stored_progress(args.year, include_demo=args.include_demo)
        if demo_rows and not args.include_demo:     # said, on standard error (the JSON stays ROSTER.md's)
            print(t("officer.demo.cli_left_out", rows=demo_rows), file=sys.stderr)
    elif args.partitions is not None:
        if not args.roster:
            return _fail(t("cli.roster_needed"))

        def run() -> int:
            from core.partition_run import progress_of

            return _emit_progress(args, progress_of(args.roster, args.year, args.partitions, args.engine,
                                                    args.scheduler, args.as_of, _stored_targets(args.year), args.work))
        return _partitioned(args, run)
    else:
        if not args.roster:
            return _fail(t("cli.roster_needed"))
        try:
            raw = _read(args.roster)
        except (RosterReadError, _MissingFile) as exc:
            return _fail(str(exc))
        _load_added_counties()
        result = evaluate_roster(raw, as_of=args.as_of)
        report = progress(result.frame, args.year, _stored_targets(args.year))
    return _emit_progress(args, report)


def _emit_progress(args, report: dict) -> int:
    """The progress report in the format asked for (ROSTER.md's JSON, or one line per area and category)."""
    if args.format == "json":
        return _write_out(args, lambda: _write(json.dumps(report, ensure_ascii=False), args.out))
    from core.progress_output import progress_csv, progress_xlsx

    data = progress_csv(report) if args.format == "csv" else progress_xlsx(report)
    return _write_out(args, lambda: _write(data, args.out))


def cmd_template(args) -> int:
    from core.template import template_bytes

    if _binary_to_terminal(args):
        return EXIT_UNREADABLE
    data = template_bytes(args.format)
    return _write_out(args, lambda: _write(data, args.out))


def _partition_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--partitions", type=int, default=None, metavar=t("partition.metavar_n"), help=t("partition.partitions"))
    p.add_argument("--engine", choices=("local", "dask", "spark"), default="local", help=t("partition.engine"))
    p.add_argument("--scheduler", default=None, metavar=t("partition.metavar_addr"), help=t("partition.scheduler"))
    p.add_argument("--work", default=None, metavar=t("partition.metavar_dir"), help=t("partition.work"))


def build_parser() -> argparse.ArgumentParser:
    from core.cli_argparse import ChineseArgumentParser

    parser = ChineseArgumentParser(prog="python -m core", description=t("cli.description"))
    sub = parser.add_subparsers(dest="command", required=True, metavar=t("cli.metavar_command"))
    out = dict(default=None, metavar=t("cli.metavar_file"), help=t("cli.out"))

    ev = sub.add_parser("evaluate", help=t("cli.evaluate"), description=t("cli.evaluate"))
    ev.add_argument("roster", metavar=t("cli.metavar_roster"), help=t("cli.roster_arg"))
    ev.add_argument("--as-of", type=_date, default=None, metavar=t("cli.metavar_date"), help=t("cli.as_of"))
    ev.add_argument("--format", choices=("json", "csv", "xlsx"), default=None, help=t("cli.format_evaluate"))
    ev.add_argument("--out", **out)
    ev.add_argument("--district", type=_district, default=None, metavar=t("cli.metavar_district"),
                    help=t("cli.district"))
    _partition_options(ev)
    ev.set_defaults(func=cmd_evaluate)

    pr = sub.add_parser("progress", help=t("cli.progress"), description=t("cli.progress"))
    pr.add_argument("roster", nargs="?", metavar=t("cli.metavar_roster"), help=t("cli.roster_arg"))
    pr.add_argument("--year", type=int, required=True, metavar=t("cli.metavar_year"), help=t("cli.year"))
    pr.add_argument("--format", choices=("json", "csv", "xlsx"), default="json", help=t("cli.format_progress"))
    pr.add_argument("--as-of", type=_date, default=None, metavar=t("cli.metavar_date"), help=t("cli.as_of"))
    pr.add_argument("--from-db", action="store_true", help=t("cli.from_db"))
    pr.add_argument("--include-demo", action="store_true", help=t("officer.demo.cli_help"))
    pr.add_argument("--out", **out)
    _partition_options(pr)
    pr.set_defaults(func=cmd_progress)

    tp = sub.add_parser("template", help=t("cli.template"), description=t("cli.template"))
    tp.add_argument("--format", choices=("xlsx", "csv"), default="xlsx", help=t("cli.format_template"))
    tp.add_argument("--out", **out)
    tp.set_defaults(func=cmd_template)

    try:
        from core.db import cli as db_cli
    except ImportError:
        db_cli = None
    if db_cli is not None and hasattr(db_cli, "register"):
        db_cli.register(sub)
        from core import reports_cli

        reports_cli.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)
