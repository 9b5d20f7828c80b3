"""The message catalog (data/messages): every key the code asks for exists, every file parses, the
English texts fit the Chinese ones, and no user-facing Chinese text is written in core/ itself."""
from __future__ import annotations

import io
import re
import string
import tokenize
from pathlib import Path

import pytest
import yaml

import core
from core.i18n import catalog

REPO = Path(core.__file__).resolve().parent.parent
MESSAGES = REPO / "data" / "messages"
SOURCES = sorted(
    [*(REPO / "core").rglob("*.py"), *(REPO / "pages").rglob("*.py"), REPO / "streamlit_app.py"]
)
ZH = catalog("zh")

# t("ns.key", ...) / i18n.t('ns.key') with a literal key (not a concatenation)
LITERAL = re.compile(r"""(?<![\w.])(?:i18n\.)?t\(\s*(["'])([A-Za-z_]\w*(?:\.\w+)+)\1\s*[,)]""")
FSTRING = re.compile(r"""(?<![\w.])(?:i18n\.)?t\(\s*f(["'])([^"'\n]+)\1""")
# a wrapper: def name(key, ...): return t(f"prefix.{key}", ...)
WRAPPER = re.compile(r"""def (\w+)\(key\b[^\n]*\n(?:[^\n]*\n){0,3}?\s*return (?:i18n\.)?t\(f(["'])([\w.]*)\{key\}\2""")


def _wrappers(src: str) -> dict[str, str]:
    return {m.group(1): m.group(3) for m in WRAPPER.finditer(src)}


COMMON_WRAPPERS = _wrappers((REPO / "pages" / "_common.py").read_text(encoding="utf-8"))


def _references(path: Path) -> tuple[list[str], list[str]]:
    """(literal keys, f-string key templates) that ``path`` asks the catalog for."""
    src = path.read_text(encoding="utf-8")
    literal = [m.group(2) for m in LITERAL.finditer(src)]
    templates = [m.group(2) for m in FSTRING.finditer(src)]
    wrappers = _wrappers(src)
    if path.parent.name == "pages":
        wrappers = {**COMMON_WRAPPERS, **wrappers}
    for name, prefix in wrappers.items():
        lit = re.compile(rf"""(?<![\w.]){name}\(\s*(["'])([\w.]+)\1\s*[,)]""")
        fs = re.compile(rf"""(?<![\w.]){name}\(\s*f(["'])([^"'\n]+)\1""")
        literal += [prefix + m.group(2) for m in lit.finditer(src)]
        templates += [prefix + m.group(2) for m in fs.finditer(src)]
    return literal, templates


def test_the_scan_finds_references():
    """Guard against a scan that silently finds nothing."""
    literal, templates = zip(*(_references(p) for p in SOURCES))
    assert sum(map(len, literal)) > 200
    assert sum(map(len, templates)) > 20


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_literal_key_exists_in_chinese(path):
    literal, _ = _references(path)
    missing = sorted({k for k in literal if k not in ZH})
    assert not missing, missing


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_formatted_key_matches_some_chinese_key(path):
    _, templates = _references(path)
    bad = []
    for tpl in templates:
        parts = re.split(r"\{[^}]*\}", tpl)
        pattern = re.compile("[\\w.]+".join(re.escape(p) for p in parts))
        if not any(pattern.fullmatch(k) for k in ZH):
            bad.append(tpl)
    assert not bad, bad


class _UniqueKeyLoader(yaml.SafeLoader):
    pass


def _no_duplicates(loader, node, deep=False):
    keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise yaml.constructor.ConstructorError(None, None, f"duplicate keys {sorted(dup)}", node.start_mark)
    return loader.construct_mapping(node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


@pytest.mark.parametrize("path", sorted(MESSAGES.glob("*/*.yaml")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_message_file_parses_without_duplicate_keys(path):
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    assert isinstance(doc, dict) and doc
    leaves = []

    def walk(node):
        for v in node.values():
            walk(v) if isinstance(v, dict) else leaves.append(v)

    walk(doc)
    assert all(isinstance(v, (str, int, float)) for v in leaves)


def test_every_english_file_has_a_chinese_file():
    zh = {p.name for p in (MESSAGES / "zh").glob("*.yaml")}
    en = {p.name for p in (MESSAGES / "en").glob("*.yaml")}
    assert en and en <= zh


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def test_english_keys_and_placeholders_match_chinese():
    en = catalog("en")
    assert en
    assert sorted(k for k in en if k not in ZH) == []
    assert sorted(k for k in en if _fields(en[k]) != _fields(ZH[k])) == []


# --------------------------------------------------------------------------- reference names in English

def test_every_reference_name_has_english():
    """A reference row (province, district, helped county, prefecture, skill level) without its
    English name (name_en), or a coded kind (follow-up statuses and services, the ledger's
    activities, the item statuses) without an English key, fails: English pages must not show it
    in Chinese."""
    import pandas as pd

    from core.reference_names import missing_english

    assert missing_english() == []
    en = catalog("en")
    reference = REPO / "data" / "reference"
    followups = pd.read_csv(reference / "followup_kinds.csv", dtype=str)
    keys = [f"people.{kind}.{code}" for kind, code in zip(followups["kind"], followups["code"])]
    keys += [f"people.activity.{code}" for code in pd.read_csv(reference / "activity_kinds.csv", dtype=str)["code"]]
    keys += [f"rules.status.{s}" for s in ("eligible", "not_eligible", "unknown", "error")]
    keys += ["ui.common.yes", "ui.common.no", "ui.common.unknown", "output.yes_word", "output.no_word"]
    assert [k for k in keys if k in ZH and k not in en] == []
    assert all(k in ZH for k in keys)


# --------------------------------------------------------------------------- Chinese in core/*.py

HAN = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")

# (file, literal) that are not user-facing text, each with why.
ALLOWED = {
    # the parsers' input vocabulary: what officers type, recognised (是/否, 省/市, 绍兴市 prefix, 年月日 …)
    "normalize.py": None,
    # the date forms officers type (2018年3月1日), recognised
    "parse_dates.py": {r'r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"'},
    # generated test and demonstration rows: fake input data, not messages
    "synthetic.py": None,
    # the notice's own clause numbers (三(一) …), identifiers cited in every language
    "rules.py": None,
    # the language's own name in the language menu (an endonym)
    "i18n.py": {'"简体中文"'},
    # the sheet name ROSTER.md fixes (名单)
    "reader.py": {'"名单"'},
    # font name, and the 是/否 input values of the template's drop-down
    "template.py": {'"宋体"', '"是"', '"否"'},
    # the self-check's input vocabulary: Chinese numerals and 个月 / 年 (五个月, 一年) read as numbers
    "cn_numbers.py": None,
    # input values of the self-check: the page's "works outside Shaoxing" sentinel and words for "none"
    "person.py": {'"其他"', '"无"', '"没有"', '"否"'},
}


def _string_literals(path: Path) -> list[tuple[int, str]]:
    """Chinese string literals of a module that are not docstrings (comments are not tokens)."""
    toks = [t for t in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)]
    out = []
    skip = {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT}
    for i, tok in enumerate(toks):
        if tok.type not in (tokenize.STRING, getattr(tokenize, "FSTRING_START", -1)) or not HAN.search(tok.line):
            continue
        text = tok.string
        if tok.type != tokenize.STRING:  # an f-string (3.12+): gather its parts
            j, parts = i, []
            while toks[j].type != tokenize.FSTRING_END:
                parts.append(toks[j].string)
                j += 1
            text = "".join(parts) + toks[j].string
        if not HAN.search(text):
            continue
        k = i - 1
        while k >= 0 and toks[k].type in skip:
            k -= 1
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        statement_start = k < 0 or toks[k].type == tokenize.NEWLINE or toks[k].string == ":"
        if statement_start and nxt is not None and nxt.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            continue  # a docstring
        out.append((tok.start[0], text))
    return out


def _offenders() -> list[str]:
    found = []
    code = [*sorted((REPO / "core").rglob("*.py")), *sorted((REPO / "pages").glob("*.py")), REPO / "streamlit_app.py"]
    for path in code:
        allowed = ALLOWED.get(path.name, set()) if path.parent.name != "pages" else set()
        if path.parent.name == "items":
            allowed = None   # the registry of items: the notice's clause numbers (三(一) …), cited as identifiers
        for line, text in _string_literals(path):
            if allowed is None or text in allowed:
                continue
            found.append(f"{path.name}:{line} {text}")
    return found


def test_no_user_facing_chinese_literals_in_the_code():
    """Every Chinese string in core/ and the pages is in the catalog, or allowed above with the reason."""
    assert _offenders() == []
