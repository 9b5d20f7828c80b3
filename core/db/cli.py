"""Command line of the storage: ``db upgrade``, ``users``, ``import``, ``demo``; progress from the DB."""
from __future__ import annotations

import datetime as dt
import getpass
import json
import sys
from pathlib import Path

from core.i18n import t


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # pragma: no cover - no login name in some containers
        return "cli"


def _fail(message: str, code: int = 1) -> int:
    print(message, file=sys.stderr)
    return code


def _resolve_user(user):
    from core.db.accounts import User, get_user

    if user is None or isinstance(user, User):
        return user
    return get_user(str(user))


def progress_from_db(year: int, user=None, include_demo: bool = False) -> dict:
    """The ``progress --format json`` object over the stored rows visible to ``user`` (None: all),
    demo rows left out unless ``include_demo`` (core.db.stored_progress, as the dashboard)."""
    from core.db.stored_progress import stored_progress

    u = _resolve_user(user)
    if user is not None and u is None:
        raise LookupError(t("db.cli.unknown_user", name=user))
    return stored_progress(int(year), u, include_demo)[0]


def _read_password(name: str) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(t("db.cli.password_prompt", name=name))
        second = getpass.getpass(t("db.cli.password_again"))
        if first != second:
            raise ValueError(t("db.account.passwords_differ"))
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_db(args) -> int:
    from core.db import config, session

    url = config.database_url()
    eng = session.engine(url)
    rev = session.upgrade(eng)
    print(t("db.cli.upgraded", revision=rev, url=eng.url.render_as_string(hide_password=True)))
    return 0


def cmd_users(args) -> int:
    from core.db import accounts

    try:
        if args.users_command == "add":
            password = _read_password(args.name)
            user = accounts.add_user(args.name, password, args.role, args.district, actor=_actor())
            print(t("db.cli.user_added", name=user.name, role=t(f"db.role.{user.role}")))
        elif args.users_command == "list":
            people = accounts.list_users()
            if args.format == "json":
                print(json.dumps([{"name": u.name, "role": u.role, "district": u.district, "active": u.active,
                                   "created_at": u.created_at.isoformat(timespec="seconds")} for u in people],
                                 ensure_ascii=False))
            elif not people:
                print(t("db.cli.no_users"))
            else:
                for u in people:
                    state = t("db.admin.active") if u.active else t("db.admin.disable")
                    print("\t".join([u.name, t(f"db.role.{u.role}"), u.district or "-", state,
                                     u.created_at.isoformat(sep=" ", timespec="seconds")]))
        elif args.users_command == "setup-code":
            if accounts.user_count() > 0:
                return _fail(t("db.setup.already_done"))
            accounts.issue_setup_code(replace=True)
        elif args.users_command == "disable":
            accounts.disable_user(args.name, actor=_actor())
            print(t("db.cli.user_disabled", name=args.name))
        elif args.users_command == "reset-password":       # a one-time password, printed once
            print(t("account.cli_reset", name=args.name, password=accounts.reset_password(args.name, actor=_actor())))
        elif args.users_command == "enable":
            accounts.enable_user(args.name, actor=_actor())
            print(t("account.cli_enabled", name=args.name))
        elif args.users_command == "passwd":
            password = _read_password(args.name)
            accounts.password_for(args.name, password, actor=_actor())
            print(t("account.cli_set", name=args.name))
    except (accounts.AccountError, ValueError) as exc:
        return _fail(str(exc))
    return 0


def import_roster(path: str | Path, username: str, as_of: dt.date | None = None, ip: str | None = None):
    """Evaluate and store a roster file as ``username`` would through the roster page."""
    from core.db.accounts import AccountError, can, get_user
    from core.db.bulk_import import store_streaming
    from core.db.targets import get_standards
    from core.reader import read_path_isolated

    user = get_user(username)
    if user is None:
        raise LookupError(t("db.cli.unknown_user", name=username))
    load_added_counties()
    if not can(user, "upload"):
        raise AccountError("db.cli.cannot_upload", name=username)
    path = Path(path)
    data, raw = read_path_isolated(path)   # a regular file only, read in a process with limits
    # evaluated and stored in batches of whole people: memory follows the batch (core.db.bulk_import)
    return store_streaming(raw, data, user, path.name, as_of=as_of, standards=get_standards() or None, ip=ip,
                           source="cli")


def cmd_import(args) -> int:
    from core.db.accounts import AccountError
    from core.reader import RosterReadError

    try:
        summary = import_roster(args.roster, args.user, as_of=args.as_of)
    except RosterReadError as exc:
        return _fail(t("db.cli.read_error", error=str(exc)), 2)
    except OSError as exc:
        return _fail(t("db.cli.read_error", error=exc.strerror or str(exc)), 2)
    except (LookupError, AccountError) as exc:
        return _fail(str(exc).strip("'\""))
    if args.format == "json":
        print(json.dumps({"upload_id": summary.upload_id, "duplicate": summary.duplicate, "rows": summary.rows,
                          "valid": summary.valid, "errors": summary.errors, "flagged": summary.flagged,
                          "total_to_worker": summary.total_to_worker, "message": summary.message},
                         ensure_ascii=False))
    else:
        print(summary.message)
    return 0


def load_demo(rows: int = 300, seed: int = 2018) -> dict | None:
    """Load the synthetic, clearly marked demo dataset once; None when it is already there."""
    from core.db import audit, events
    from core.db.accounts import User
    from core.db.uploads import list_uploads, store_upload
    from core.engine import evaluate_file
    from core.synthetic import synthetic_roster

    existing = list_uploads(include_withdrawn=False)
    if len(existing) and existing["demo"].astype(bool).any():
        return None
    demo_user = User(t("db.cli.demo_user"), "city_officer", None)
    frame = synthetic_roster(rows, seed=seed, error_rate=0.03)
    mark = t("db.demo.mark")
    frame[frame.columns[0]] = mark + frame[frame.columns[0]].astype("string")
    data = frame.to_csv(index=False).encode("utf-8-sig")
    filename = t("db.demo.filename")
    result = evaluate_file(data, filename)
    summary = store_upload(result, demo_user, filename, data, demo=True, source="demo")
    from core import reference

    names = list(reference.districts()["name"])
    paired = dict(zip(reference.districts()["name"], reference.districts()["paired_county"]))
    fairs = 0
    for i, d in enumerate(names[:4]):                 # two districts left without a fair, on purpose
        events.add_fair(demo_user, d, dt.date(2018, 4 + i, 10), paired[d],
                        [t("db.demo.enterprise", mark=mark, district=d, n=j) for j in range(1, 3 + i)], demo=True)
        fairs += 1
    bases = [(t("db.demo.base", mark=mark, n=1), "national", 2018, 24),
             (t("db.demo.base", mark=mark, n=2), "provincial", 2018, 12),
             (t("db.demo.base", mark=mark, n=3), "provincial", 2018, 6)]
    for b in bases:
        events.add_base(demo_user, *b, demo=True)
    events.add_love_post(demo_user, t("db.demo.employer", mark=mark), 2018, 10,
                         person_name=t("db.demo.person", mark=mark), demo=True)
    audit.record(None, "demo_load", actor=demo_user.name, target=filename, upload_id=summary.upload_id,
                 rows=summary.rows)
    return {"upload_id": summary.upload_id, "rows": summary.rows, "fairs": fairs, "bases": len(bases), "posts": 1}


def cmd_demo(args) -> int:
    out = load_demo(args.rows, args.seed)
    print(t("db.cli.demo_present") if out is None else t("db.cli.demo_loaded", **out))
    return 0


def cmd_counties(args) -> int:
    """``counties list|add|remove``: the Sichuan helped counties (file and administrators'
    additions); the command line acts as an administrator, audited under its login name."""
    from core.db import counties
    from core.db.accounts import AccountError, User

    admin = User(name=_actor(), role="admin", district=None)
    try:
        if args.counties_command == "add":
            counties.add_county(admin, args.code, args.name, aliases=args.alias, old_codes=args.old_code,
                                prefecture=args.prefecture, source=args.source)
            print(t("db.counties.added", code=args.code, name=args.name))
        elif args.counties_command == "remove":
            counties.remove_county(admin, args.code)
            print(t("db.counties.removed", code=args.code))
        else:
            table = counties.all_counties()
            if args.format == "json":
                cols = ["code", "name", "aliases", "old_codes", "prefecture", "paired_with_shaoxing", "source", "origin"]
                print(json.dumps(table[cols].fillna("").to_dict("records"), ensure_ascii=False))
            else:
                for r in table.itertuples(index=False):
                    print("\t".join([r.code, r.name, r.aliases or "-", r.old_codes or "-", r.prefecture or "-",
                                     t(f"db.counties.origin.{r.origin}")]))
    except AccountError as exc:
        return _fail(str(exc))
    return 0


def load_added_counties() -> None:
    """Before a roster is evaluated on the command line: the counties administrators added, when
    a database is set up (core.db.counties)."""
    from core.db import config

    if config.configured():
        from core.db.counties import refresh

        refresh(0)


def cmd_audit(args) -> int:
    """``audit verify``: 0 when the audit log's hash chain is whole, 1 naming the first broken entry."""
    from core.db import audit

    result = audit.verify()
    if result.ok:
        print(t("db.cli.audit_ok", n=result.entries))
        return 0
    return _fail(t("db.cli.audit_broken", id=result.broken_id, n=result.entries))


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def register(subparsers) -> None:
    db = subparsers.add_parser("db", help=t("db.cli.help_db"))
    dbsub = db.add_subparsers(dest="db_command", required=True, metavar=t("cli.metavar_command"))
    up = dbsub.add_parser("upgrade", help=t("db.cli.help_upgrade"))
    up.set_defaults(func=cmd_db)

    users = subparsers.add_parser("users", help=t("db.cli.help_users"))
    usub = users.add_subparsers(dest="users_command", required=True, metavar=t("cli.metavar_command"))
    add = usub.add_parser("add", help=t("db.cli.help_users_add"))
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=("admin", "city_officer", "district_officer", "leader"))
    add.add_argument("--district", default=None)
    add.set_defaults(func=cmd_users)
    ls = usub.add_parser("list", help=t("db.cli.help_users_list"))
    ls.add_argument("--format", choices=("text", "json"), default="text")
    ls.set_defaults(func=cmd_users)
    dis = usub.add_parser("disable", help=t("db.cli.help_users_disable"))
    dis.add_argument("name")
    dis.set_defaults(func=cmd_users)
    code = usub.add_parser("setup-code", help=t("db.cli.help_users_setup_code"))
    code.set_defaults(func=cmd_users)
    for command, help_key in (("reset-password", "help_reset"), ("enable", "help_enable"), ("passwd", "help_passwd")):
        care = usub.add_parser(command, help=t(f"account.{help_key}"), description=t(f"account.{help_key}"))
        care.add_argument("name", metavar=t("cli.metavar_user"), help=t("account.help_name"))
        care.set_defaults(func=cmd_users)

    imp = subparsers.add_parser("import", help=t("db.cli.help_import"))
    imp.add_argument("roster")
    imp.add_argument("--user", required=True)
    imp.add_argument("--as-of", type=_date, default=None)
    imp.add_argument("--format", choices=("text", "json"), default="text")
    imp.set_defaults(func=cmd_import)

    cty = subparsers.add_parser("counties", help=t("db.cli.help_counties"))
    csub = cty.add_subparsers(dest="counties_command", required=True, metavar=t("cli.metavar_command"))
    cls = csub.add_parser("list", help=t("db.cli.help_counties_list"))
    cls.add_argument("--format", choices=("text", "json"), default="text")
    cls.set_defaults(func=cmd_counties)
    cadd = csub.add_parser("add", help=t("db.cli.help_counties_add"))
    cadd.add_argument("code")
    cadd.add_argument("name")
    cadd.add_argument("--alias", action="append", default=[])
    cadd.add_argument("--old-code", action="append", default=[])
    cadd.add_argument("--prefecture", default=None)
    cadd.add_argument("--source", default=None)
    cadd.set_defaults(func=cmd_counties)
    crm = csub.add_parser("remove", help=t("db.cli.help_counties_remove"))
    crm.add_argument("code")
    crm.set_defaults(func=cmd_counties)


    aud = subparsers.add_parser("audit", help=t("db.cli.help_audit"))
    asub = aud.add_subparsers(dest="audit_command", required=True, metavar=t("cli.metavar_command"))
    ver = asub.add_parser("verify", help=t("db.cli.help_audit_verify"))
    ver.set_defaults(func=cmd_audit)

    demo = subparsers.add_parser("demo", help=t("db.cli.help_demo"))
    demo.add_argument("--rows", type=int, default=300)
    demo.add_argument("--seed", type=int, default=2018)
    demo.set_defaults(func=cmd_demo)
