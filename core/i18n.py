"""The message catalog: every user-facing text, keyed, Chinese first.

Messages live in ``data/messages/<lang>/<namespace>.yaml``; the key ``reader.empty_file`` is the
entry ``empty_file`` of ``reader.yaml``. A key missing in a second language falls back to Chinese.
"""
from __future__ import annotations

from functools import lru_cache

import yaml

from core.paths import DATA

DEFAULT_LANG = "zh"
LANGUAGES = {"zh": "简体中文", "en": "English"}
# libyaml's safe loader where PyYAML has it (the same documents, parsed in C: the catalog loads
# in a tenth of the time at every start of the command line), else the pure-Python one
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=None)
def catalog(lang: str = DEFAULT_LANG) -> dict[str, str]:
    """All messages of one language as a flat ``namespace.key -> text`` mapping."""
    out: dict[str, str] = {}
    folder = DATA / "messages" / lang
    for path in sorted(folder.glob("*.yaml")):
        entries = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
        _flatten(path.stem, entries, out)
    return out


def _flatten(prefix: str, entries: dict, out: dict[str, str]) -> None:
    for key, value in entries.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(name, value, out)
        else:
            out[name] = str(value)


def t(key: str, lang: str = DEFAULT_LANG, **fmt) -> str:
    """The text for ``key`` in ``lang`` (falling back to Chinese), formatted with ``fmt``."""
    text = catalog(lang).get(key)
    if text is None and lang != DEFAULT_LANG:
        text = catalog(DEFAULT_LANG).get(key)
    if text is None:
        raise KeyError(f"message {key!r} is not in the catalog")
    return text.format(**fmt) if fmt else text


def has(key: str, lang: str = DEFAULT_LANG) -> bool:
    return key in catalog(lang)


def join_list(parts, lang: str = DEFAULT_LANG) -> str:
    """Messages one after another in running text (Chinese: joined by "；")."""
    return t("common.list_separator", lang).join(parts)


def join_enum(parts, lang: str = DEFAULT_LANG) -> str:
    """Names listed in running text (Chinese: joined by "、")."""
    return t("common.enum_separator", lang).join(parts)


class CatalogError(Exception):
    """An error whose message is a catalog entry (``prefix + key``, formatted with ``fmt``; a list
    value is named with ``join_enum``): ``str(e)`` is the Chinese sentence, ``e.text(lang)`` the same
    sentence in another language of the catalog."""

    prefix = ""

    def __init__(self, key: str, **fmt):
        self.key, self.fmt = key, fmt
        self.message = self.text()
        super().__init__(self.message)

    def text(self, lang: str = DEFAULT_LANG) -> str:
        fmt = {k: join_enum(v, lang) if isinstance(v, list) else v for k, v in self.fmt.items()}
        return t(self.prefix + self.key, lang, **fmt)
