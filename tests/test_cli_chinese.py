"""The command line speaks Chinese (core/cli_argparse.py): help, usage and argument errors keep
none of argparse's English; a district outside Shaoxing, a missing file and an xlsx meant for a
terminal are one clear sentence; progress as CSV and xlsx; the account commands."""
from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys

import openpyxl
import pytest

from core.cli import main
from core.cli_argparse import MESSAGES
from core.i18n import t
from tests.db_conftest_helpers import person, roster_csv, sqlite_db  # noqa: F401  (fixture)
from tests.test_cli import REPO

# argparse's own English words, as it prints them
ENGLISH = ("usage", "positional arguments", "options:", "show this help", "error:", "required",
           "invalid", "choose from", "argument", "expected", "unrecognized", "ambiguous")


def _no_english(text: str) -> None:
    low = text.lower()
    assert not [w for w in ENGLISH if w in low], text


@pytest.mark.parametrize("argv", [[], ["evaluate"], ["progress"], ["template"], ["users"],
                                  ["users", "reset-password"], ["users", "passwd"], ["counties", "add"]])
def test_help_has_no_english(argv, capsys):
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(t("cli.argparse.usage")) and t("cli.argparse.help") in out
    _no_english(out)


@pytest.mark.parametrize("argv, says", [
    ([], t("cli.metavar_command")),                                          # no command
    (["evaluate"], t("cli.metavar_roster")),                                 # a required argument
    (["evaluate", "x.csv", "--format", "pdf"], "pdf"),                       # a choice
    (["progress", "x.csv", "--year", "二〇一八"], "二〇一八"),                 # not a number
    (["evaluate", "x.csv", "--colour"], "--colour"),                         # an unknown option
    (["evaluate", "x.csv", "--out"], "--out"),                               # an option without its value
    (["bogus"], "bogus"),
    (["evaluate", "x.csv", "--as-of", "2018/1/1"], "2018/1/1"),
])
def test_argument_errors_are_chinese(argv, says, capsys):
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(t("cli.argparse.usage")) and says in err and "：错误：" in err
    _no_english(err)


def test_every_argparse_word_has_a_chinese_text():
    for key in set(MESSAGES.values()):
        zh = t(f"cli.argparse.{key}")
        assert zh and not any(w in zh.lower() for w in ENGLISH if w != "argument")


def test_a_district_outside_shaoxing_is_named_so(capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", "x.csv", "--district", "杭州"])
    err = capsys.readouterr().err
    assert "杭州" in err and t("cli.bad_district", value="杭州", districts="")[:14] in err
    _no_english(err)


def test_a_missing_file_is_named_by_its_path(tmp_path, capsys):
    missing = tmp_path / "没有这个目录" / "名单.xlsx"
    for argv in (["evaluate", str(missing)], ["progress", str(missing), "--year", "2018"]):
        assert main(argv) == 2
        assert capsys.readouterr().err.strip() == t("cli.missing_file", path=str(missing))


def _on_a_terminal(*args):
    """``python -m core …`` with its standard output a terminal (a pseudo-terminal)."""
    leader, follower = pty.openpty()
    try:
        p = subprocess.run([sys.executable, "-m", "core", *args], cwd=REPO, stdout=follower,
                           stderr=subprocess.PIPE, timeout=120)
        os.close(follower)
        follower = None
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if follower is not None:
            os.close(follower)
        os.close(leader)
    return p.returncode, seen, p.stderr.decode()


@pytest.fixture(scope="module")
def roster_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli-zh") / "名单.csv"
    path.write_bytes(roster_csv([person(1), person(2, district="越城区"), person(3, 建档立卡="否")]))
    return path


@pytest.mark.parametrize("args", [("template",), ("evaluate", "{roster}", "--format", "xlsx"),
                                  ("progress", "{roster}", "--year", "2018", "--format", "xlsx")])
def test_xlsx_is_never_written_to_a_terminal(args, roster_file, tmp_path):
    args = [a.format(roster=roster_file) for a in args]
    code, seen, err = _on_a_terminal(*args)
    assert code == 2 and seen == b"" and err.strip() == t("cli.xlsx_to_terminal")
    out = tmp_path / "结果.xlsx"
    code, seen, err = _on_a_terminal(*args, "--out", str(out))
    assert code == 0 and openpyxl.load_workbook(out)      # with --out it is written


def test_progress_as_csv_and_xlsx_says_what_the_json_says(roster_file, tmp_path, capsysbinary):
    assert main(["progress", str(roster_file), "--year", "2018", "--as-of", "2021-06-30"]) == 0
    report = json.loads(capsysbinary.readouterr().out)
    assert report["city"]["total"] == 2
    assert main(["progress", str(roster_file), "--year", "2018", "--as-of", "2021-06-30", "--format", "csv"]) == 0
    data = capsysbinary.readouterr().out
    assert data.startswith(b"\xef\xbb\xbf")                  # UTF-8 with BOM, for Excel and WPS
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    scope, cat, done, target = (t(f"cli.progress_{k}") for k in ("scope", "category", "done", "target"))
    city = {r[cat]: r for r in rows if r[scope] == t("cli.progress_city")}
    assert int(city[t("db.target_field.total")][done]) == report["city"]["total"]
    assert int(city[t("db.target_field.paired_four")][target]) == report["targets"]["paired_four"]
    keqiao = {r[cat]: int(r[done]) for r in rows if r[scope] == "柯桥区"}
    assert keqiao[t("db.target_field.total")] == report["by_district"]["柯桥区"]["total"] == 1
    assert len(rows) == 4 * (1 + len(report["by_district"]))
    out = tmp_path / "进度.xlsx"
    assert main(["progress", str(roster_file), "--year", "2018", "--as-of", "2021-06-30", "--format", "xlsx",
                 "--out", str(out)]) == 0
    ws = openpyxl.load_workbook(out).active
    sheet = [[c.value for c in r] for r in ws.iter_rows()]
    assert sheet[0] == list(rows[0].keys())
    assert [str(v) if v is not None else "" for v in sheet[1]] == list(rows[0].values())


def test_account_commands(sqlite_db, capsys, monkeypatch):
    from core.db import accounts, audit, sessions

    accounts.add_user("gao", "password-123", "district_officer", "诸暨市")
    sid, code = sessions.begin("gao")
    token = sessions.exchange(code)
    assert main(["users", "reset-password", "gao"]) == 0
    out = capsys.readouterr().out
    temporary = out.split("：", 1)[1].split()[0]
    assert accounts.authenticate("gao", temporary) is not None and sessions.check(token=token).user is None
    assert {u.name: u for u in accounts.list_users()}["gao"].must_change_password
    monkeypatch.setattr("sys.stdin", io.StringIO("console-set-password\n"))
    assert main(["users", "passwd", "gao"]) == 0
    assert accounts.authenticate("gao", "console-set-password") is not None
    assert main(["users", "disable", "gao"]) == 0
    assert main(["users", "enable", "gao"]) == 0
    assert t("account.cli_enabled", name="gao") in capsys.readouterr().out
    assert main(["users", "enable", "gao"]) == 1                             # not disabled: one sentence
    assert capsys.readouterr().err.strip() == t("account.not_disabled", name="gao")
    assert main(["users", "reset-password", "nobody"]) == 1
    assert "nobody" in capsys.readouterr().err
    actions = list(audit.entries()["action"])
    assert {"password_reset", "password_set", "user_disable", "user_enable"} <= set(actions)
    assert all(a.startswith("cli:") for a in audit.entries(action="password_reset")["actor"])
