"""The district's reports on the command line:

    python -m core reconcile PROVINCE_LIST [--district D] [--format json|xlsx] [--out FILE] [--user NAME]
                             [--include-demo]
    python -m core report --year Y --month M [--district D] [--format xlsx|json] [--out FILE] [--user NAME]
    python -m core bulletin --year Y [--month M] --out FILE.docx [--user NAME]

Without ``--user`` the command line acts as an administrator, audited under its login name
(as ``counties``); with it, as that account, within its role (core.db.work_reports): a district
officer only over its own district. Exit status: 0 done; 1 refused (role, district, unknown
account); 2 the file cannot be read or the output cannot be written (one sentence each).
"""
from __future__ import annotations

import json

from core.cli import _district, _fail, _write, _write_out
from core.i18n import t

EXIT_REFUSED = 1


def _acting(args):
    """The account the command acts as, or a sentence saying why there is none."""
    from core.db.accounts import User, get_user
    from core.db.cli import _actor

    if args.user is None:
        return User(name=_actor(), role="admin", district=None), None
    user = get_user(args.user)
    return (None, t("db.cli.unknown_user", name=args.user)) if user is None else (user, None)


def _refused(message: str) -> int:
    _fail(message)
    return EXIT_REFUSED


def cmd_reconcile(args) -> int:
    from core import reconcile
    from core.db import work_reports
    from core.db.accounts import AccountError
    from core.reader import RosterReadError, file_bytes

    user, why = _acting(args)
    if user is None:
        return _refused(why)
    try:
        data = file_bytes(args.province_list)
        from pathlib import Path

        rec = work_reports.reconcile_file(data, Path(args.province_list).name, user, args.district,
                                          include_demo=args.include_demo)
    except RosterReadError as exc:
        return _fail(str(exc))
    except AccountError as exc:
        return _refused(str(exc))
    if args.format == "xlsx":
        return _write_out(args, lambda: _write(reconcile.to_xlsx_bytes(rec), args.out))
    text = json.dumps(reconcile.to_json_dict(rec), ensure_ascii=False, default=str)
    return _write_out(args, lambda: _write(text, args.out))


def cmd_report(args) -> int:
    from core import report
    from core.db import work_reports
    from core.db.accounts import AccountError

    user, why = _acting(args)
    if user is None:
        return _refused(why)
    try:
        out = work_reports.monthly_report(args.year, args.month, user, args.district)
    except AccountError as exc:
        return _refused(str(exc))
    if args.format == "json":
        return _write_out(args, lambda: _write(json.dumps(out, ensure_ascii=False), args.out))
    return _write_out(args, lambda: _write(report.to_xlsx_bytes(out), args.out))


def cmd_bulletin(args) -> int:
    from core.db import work_reports
    from core.db.accounts import AccountError

    user, why = _acting(args)
    if user is None:
        return _refused(why)
    try:
        data = work_reports.bulletin(args.year, args.month, user)
    except AccountError as exc:
        return _refused(str(exc))
    return _write_out(args, lambda: _write(data, args.out))


def register(sub) -> None:
    rc = sub.add_parser("reconcile", help=t("cli.reconcile"))
    rc.add_argument("province_list")
    rc.add_argument("--district", type=_district, default=None, help=t("cli.district"))
    rc.add_argument("--format", choices=("json", "xlsx"), default="json")
    rc.add_argument("--out", default=None)
    rc.add_argument("--user", default=None, help=t("cli.acting_user"))
    rc.add_argument("--include-demo", action="store_true", help=t("officer.demo.cli_help_reconcile"))
    rc.set_defaults(func=cmd_reconcile)

    rp = sub.add_parser("report", help=t("cli.report"))
    rp.add_argument("--year", type=int, required=True)
    rp.add_argument("--month", type=int, required=True, choices=range(1, 13), metavar="M")
    rp.add_argument("--district", type=_district, default=None, help=t("cli.district"))
    rp.add_argument("--format", choices=("xlsx", "json"), default="xlsx")
    rp.add_argument("--out", default=None)
    rp.add_argument("--user", default=None, help=t("cli.acting_user"))
    rp.set_defaults(func=cmd_report)

    bu = sub.add_parser("bulletin", help=t("cli.bulletin"))
    bu.add_argument("--year", type=int, required=True)
    bu.add_argument("--month", type=int, default=None, choices=range(1, 13), metavar="M")
    bu.add_argument("--out", required=True)
    bu.add_argument("--user", default=None, help=t("cli.acting_user"))
    bu.set_defaults(func=cmd_bulletin)
