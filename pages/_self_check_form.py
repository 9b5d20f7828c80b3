"""The self-check form's pieces (pages/self_check.py): its option lists, built once per process and
language; the answers as a core.person.Person; and what each result card shows, all from the
engine's item results."""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

from core import i18n
from core.cn_numbers import month_count, whole_number
from core.person import OUTSIDE_SHAOXING
from core.reference import districts, provinces, skill_levels
from core.reference_names import shown
from core.rules import LEVELS, NO_CERTIFICATE
from pages._common import lang, money, ui_text

def province_options() -> list[str]:
    """Full province names, the four paired provinces first (most users), then the rest by code."""
    return list(_province_names())


@lru_cache(maxsize=1)
def _province_names() -> tuple[str, ...]:
    # built once per process: the pandas filtering cost ~1.5 ms on every self-check rerun
    p = provinces()
    paired = p["group"] == "paired_four"
    return tuple(p.loc[paired, "name"].tolist() + p.loc[~paired, "name"].tolist())


def province_labels() -> dict[str, str]:
    """Province (the Chinese name the engine reads) -> its name in the page's language."""
    return dict(_province_labels(lang()))


@lru_cache(maxsize=8)
def _province_labels(language: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, shown(name, language)) for name in _province_names())


def district_options() -> dict[str, str]:
    """District -> label: the six districts, then 其他 (not working in Shaoxing)."""
    return dict(_district_labels(lang()))


@lru_cache(maxsize=8)
def _district_labels(language: str) -> tuple[tuple[str, str], ...]:
    out = {name: shown(name, language) for name in districts()["name"]}
    out[OUTSIDE_SHAOXING] = i18n.t("ui.self_check.district_outside", language)
    return tuple(out.items())


JUNIOR = LEVELS[0]        # 初级工: paid the actual training cost up to a cap, so the form asks for it


def certificate_options() -> dict[str, str]:
    """Certificate level -> label shown: 无 (no certificate) and the five levels with their grade."""
    return dict(_certificate_labels(lang()))


@lru_cache(maxsize=8)
def _certificate_labels(language: str) -> tuple[tuple[str, str], ...]:
    levels = skill_levels()
    out = {NO_CERTIFICATE: i18n.t("ui.self_check.cert_none", language)}
    # Chinese: 初级工（五级）; English: the level's English name, which says its grade (Junior (Level 5))
    out.update({lvl: i18n.t("common.paren", language, text=lvl, inner=grade) if language == i18n.DEFAULT_LANG
                else shown(lvl, language) for lvl, grade in zip(levels["level"], levels["grade"])})
    return tuple(out.items())


def _text_or_none(value) -> str | None:
    value = (value or "").strip() if isinstance(value, str) or value is None else value
    return value or None


def person_from_answers(answers: dict):
    """The form's answers (None or "unknown" = 不清楚) as a ``core.person.Person``."""
    from core.person import Person

    yes_no = {"yes": True, "no": False, "unknown": None, None: None}
    level = answers.get("certificate_level")
    has_employer = yes_no[answers.get("has_employer")]
    organized = yes_no[answers.get("organized")]
    fields = {
        "registered_poor": yes_no[answers.get("registered_poor")],
        "home_province": answers.get("home_province"),
        "home_county": _text_or_none(answers.get("home_county")),
        "first_employment_date": answers.get("first_employment_date"),
        "work_district": answers.get("work_district"),
        "has_employer": has_employer,
        "employer": _text_or_none(answers.get("employer")) if has_employer else None,
        "social_insurance_months": _int_or_none(answers.get("social_insurance_months")),
        "continuous_months": _int_or_none(answers.get("continuous_months")),
        "certificate_level": level,
        "certificate_date": answers.get("certificate_date") if level not in (None, NO_CERTIFICATE) else None,
        "training_cost": answers.get("training_cost") if level == JUNIOR else None,
        "self_rented_months": _int_or_none(answers.get("self_rented_months")),
        "organized": organized,
        "organizer": _text_or_none(answers.get("organizer")) if organized else None,
    }
    return Person(**fields)


def card_amount(item) -> str:
    """The amount written on a self-check card: the figure when known; for an item that still
    lacks information, 待定 with the most it could give; for the employer's social-insurance item
    with no local standard, that it is set locally."""
    if item.status == "error":       # an answer that cannot be true: no figure until it is corrected
        return ui_text("self_check.amount_error")
    if item.status == "unknown":
        if item.possible_amount:
            return ui_text("self_check.possible", amount=money(item.possible_amount))
        if item.amount is None:
            return ui_text("self_check.amount_local")
        return ui_text("self_check.pending")
    if item.amount is None:
        return ui_text("self_check.amount_local")
    return money(item.amount)


def card_reasons(item) -> list[str]:
    """The plain-Chinese lines under a card's title, all from the engine: the conditions that fail
    (or, for an eligible item, the conditions that hold and how the amount was counted), and notes."""
    lines = list(getattr(item, "errors", [])) + list(item.reasons) + list(item.detail) + list(item.notes)
    return lines or ([ui_text("self_check.eligible_reason")] if item.status == "eligible" else [])


def _int_or_none(value) -> int | None:
    return None if value is None else int(value)


def format_day(day: date) -> str:
    return ui_text("self_check.date_format", y=day.year, m=day.month, d=day.day)


MOST_MONTHS = 600      # 50 years: a larger count of months is a typing slip
MOST_AMOUNT = 1_000_000
#: characters of a wrong value quoted back in its sentence (anyone can paste megabytes)
ECHO_CHARS = 40


def echo(text: str | None) -> str:
    """What was typed, as a sentence quotes it back: at most ``ECHO_CHARS`` characters."""
    text = (text or "").strip()
    return text if len(text) <= ECHO_CHARS else text[:ECHO_CHARS] + "…"
_CLAUSE = re.compile(r"^(.+?)\((.+)\)$")


def clause_words(clause: str) -> str:
    """A clause as the notice numbers it: 三(一) -> 三（一） (never "第…条"); in another language
    its numbers in digits, 3 (1)."""
    language = lang()
    found = _CLAUSE.match(clause)
    parts = [found[1], found[2]] if found else [clause]
    if language != i18n.DEFAULT_LANG:
        parts = [str(whole_number(part) or part) for part in parts]
    return i18n.t("common.paren", language, text=parts[0], inner=parts[1]) if found else parts[0]


def _typed(text: str | None) -> str:
    """What was typed, in half-width characters, without spaces or thousands commas."""
    return unicodedata.normalize("NFKC", text or "").strip().replace(",", "").replace(" ", "")


def _without_unit(value: str, units_key: str) -> str:
    """``value`` without a unit word (12 months, 1200元) at its end: the page's language's, or
    Chinese, which a worker may type on the English page too."""
    words = set(ui_text(units_key).split("|")) | set(i18n.t(f"ui.{units_key}", i18n.DEFAULT_LANG).split("|"))
    for unit in sorted(words, key=len, reverse=True):
        if unit and value.endswith(unit):
            return value[: -len(unit)]
    return value


def parse_months(text: str | None) -> tuple[int | None, str | None]:
    """A count of months typed as text: (months, None); (None, None) when left empty; (None,
    message key) when it cannot be right (not a whole number, negative, over MOST_MONTHS).
    Chinese numerals and years are read too (五个月, 十二, 一年: ``core.cn_numbers.month_count``)."""
    value = _typed(text)
    if not value:
        return None, None
    months = month_count(value)
    if months is None:
        months = whole_number(_without_unit(value, "self_check.units_months"))
    if months is None or months > MOST_MONTHS:
        return None, "self_check.bad_months"
    return months, None


def parse_amount(text: str | None) -> tuple[float | None, str | None]:
    """An amount in yuan typed as text (at most two decimals, or a whole number in Chinese
    numerals: 一千五百元), like ``parse_months``."""
    value = _without_unit(_typed(text), "self_check.units_money")
    if not value:
        return None, None
    if re.fullmatch(r"\d+(?:\.\d{1,2})?", value):
        amount = float(value)
    else:
        whole = whole_number(value)
        amount = None if whole is None else float(whole)
    if amount is None or amount > MOST_AMOUNT:
        return None, "self_check.bad_amount"
    return amount, None
