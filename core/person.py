"""The self-check: one person, any answer may be 不清楚 (unknown), through the roster's own engine.

``estimate`` builds a one-row typed frame with the same parsers the roster uses and runs the same
``core.engine.evaluate_frame``; the explanation comes from the same condition columns. Unknown is
"not enough information", never "not eligible".

What the worker reads is worded for the worker (``core.explain`` audience "worker") and weighed on
the day of the check: after the claim deadline no step is offered that could not pay any more, and
a "not eligible" that no answer or action can change is said to be final (``ItemResult.final``)
without asking for more answers. ``ItemResult.explanation()`` stays the roster's text.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator

from core import explain, normalize, reference
from core.engine import evaluate_columns, evaluate_frame
from core.i18n import join_list, t
from core.idnumber import OK as ID_OK
from core.idnumber import check_ids
from core.items import REGISTRY, WORKER_ITEMS
from core.rules import NO_CERTIFICATE

OUTSIDE_SHAOXING = "其他"
NONE_WORDS = {"无", "没有", "none", "否"}
# Dates a person gives that cannot lie after the day of the check.
PAST_DATES = ("first_employment_date", "certificate_date")


def _one(parser, value):
    parsed = parser(pd.Series([value], dtype=object))
    if parsed.invalid[0]:
        raise ValueError(f"cannot read {value!r}")
    v = parsed.values.iloc[0]
    return None if pd.isna(v) else v


class Person(BaseModel):
    """What a worker tells the self-check. Every field may be None: 不清楚."""

    model_config = ConfigDict(extra="forbid")

    registered_poor: bool | None = None
    home_province: str | None = None  # any spelling; kept as the 2-digit code
    home_county: str | None = None
    id_number: str | None = None
    first_employment_date: dt.date | None = None
    work_district: str | None = None  # one of the six, or 其他 (works outside Shaoxing)
    employer: str | None = None
    has_employer: bool | None = None  # works for an enterprise, when the name is not given
    social_insurance_months: int | None = None
    continuous_months: int | None = None
    certificate_level: str | None = None  # 无 = no certificate
    certificate_date: dt.date | None = None
    training_cost: float | None = None
    self_rented_months: int | None = None
    organizer: str | None = None
    organized: bool | None = None  # came through an agency, cooperative or broker

    @field_validator("home_province")
    @classmethod
    def _province(cls, v):
        return None if v is None or not str(v).strip() else _one(normalize.parse_province, v)

    @field_validator("work_district")
    @classmethod
    def _district(cls, v):
        if v is None or not str(v).strip():
            return None
        if str(v).strip() == OUTSIDE_SHAOXING:
            return OUTSIDE_SHAOXING
        return _one(normalize.parse_district, v)

    @field_validator("certificate_level")
    @classmethod
    def _level(cls, v):
        if v is None or not str(v).strip():
            return None
        if str(v).strip().lower() in NONE_WORDS or v == NO_CERTIFICATE:
            return NO_CERTIFICATE
        return _one(normalize.parse_skill_level, v)

    @field_validator("social_insurance_months", "continuous_months", "self_rented_months", "training_cost")
    @classmethod
    def _not_negative(cls, v):
        if v is not None and v < 0:
            raise ValueError("must be ≥ 0")
        return v


def _named(name: str | None, flag: bool | None) -> bool | None:
    """A name given (not a placeholder such as 无 or 自行来绍) says yes; else the yes/no answer."""
    if name is not None and str(name).strip():
        return not bool(normalize.is_placeholder(pd.Series([str(name)], dtype=object))[0]) or bool(flag)
    return flag


def typed_columns(people: list[Person], as_of: dt.date | None = None) -> dict:
    """The typed columns of ``core.rules`` for a list of people (one row each), as a dict."""
    as_of = as_of or dt.date.today()
    n = len(people)

    def column(name: str) -> list:
        return [getattr(p, name) for p in people]

    ids = column("id_number")
    if any(ids):
        checked = check_ids(pd.Series(ids, dtype=object), as_of)
        region = checked.region.where(pd.Series(checked.error == ID_OK))
    else:  # nobody gave an ID number: nothing to check
        region = pd.Series([None] * n, dtype=object)
    county = normalize.normalise_county(pd.Series(column("home_county"), dtype=object))
    district = column("work_district")
    certificate = column("certificate_date")
    later = [d is not None and d > as_of for d in certificate]
    return {
        "registered_poor": pd.array(column("registered_poor"), dtype="boolean"),
        "home_province_code": pd.Series(column("home_province"), dtype=object),
        "county_helped": normalize.helped_sichuan_county(county, region),
        "first_employment_date": pd.to_datetime(pd.Series(column("first_employment_date"), dtype=object)),
        "works_in_shaoxing": pd.array([None if d is None else d != OUTSIDE_SHAOXING for d in district], dtype="boolean"),
        "employer_named": pd.array([_named(p.employer, p.has_employer) for p in people], dtype="boolean"),
        "organizer_named": pd.array([_named(p.organizer, p.organized) for p in people], dtype="boolean"),
        "social_insurance_months": pd.array(column("social_insurance_months"), dtype="Int64"),
        "continuous_months": pd.array(column("continuous_months"), dtype="Int64"),
        "certificate_level": pd.Series(column("certificate_level"), dtype=object),
        # RULES.md: a certificate dated after the day of the check is an error of the skill item
        # (as core.validate makes it in a roster): the date decides nothing, the item is an error
        "certificate_date": pd.to_datetime(pd.Series([None if late else d for d, late in zip(certificate, later)],
                                                     dtype=object)),
        "_bad_certificate_date": np.array(later, dtype=bool),
        "training_cost": pd.array(column("training_cost"), dtype="Float64"),
        "self_rented_months": pd.array(column("self_rented_months"), dtype="Int64"),
    }


def typed_frame(people: list[Person], as_of: dt.date | None = None) -> pd.DataFrame:
    """``typed_columns`` as a frame."""
    return pd.DataFrame(typed_columns(people, as_of))


@dataclass
class ItemResult:
    code: str
    title: str
    clause: str
    payee: str
    status: str  # eligible / not_eligible / unknown / error
    amount: int | None  # what is due under the policy (None: eligible but the local standard is not set)
    possible_amount: int | None  # what it would give if the missing information turns out well
    reasons: list[str]
    missing: list[str]
    next_step: str | None  # None after the claim deadline, or when it could not pay any more
    notes: list[str]
    detail: list[str]
    lang: str = "zh"
    final: bool = False  # not eligible, and no answer or action can change that (missing is then empty)
    roster_text: str | None = None  # the roster's explanation of the same conditions
    payable: int | None = None  # what can still be paid on the day of the check (0 after the claim deadline)
    errors: list[str] = field(default_factory=list)  # answers that cannot be true for this item

    def explanation(self) -> str:
        """The same text the roster shows for this item."""
        if self.roster_text is not None:
            return self.roster_text
        return join_list(self.reasons + self.missing + self.detail + self.notes, self.lang)


@dataclass
class Estimate:
    covered: str
    coverage_reasons: list[str]
    coverage_missing: list[str]
    items: list[ItemResult]
    total_to_worker: int
    category: str | None
    sichuan_helped: bool
    cannot_check: list[str]
    notes: list[str]
    claim_deadline: dt.date
    claim_closed: bool
    as_of: dt.date = field(default_factory=dt.date.today)
    coverage_final: bool = False  # not covered, whatever else is answered (coverage_missing is then empty)
    total_payable_to_worker: int = 0  # what can still be paid to the worker on the day of the check
    input_problems: list[str] = field(default_factory=list)  # answers that cannot be right, set aside

    def item(self, code: str) -> ItemResult:
        return next(i for i in self.items if i.code == code)

    @property
    def pending_items(self) -> list[str]:
        """The items paid to the worker that still lack information (their amount is not in the total)."""
        return [i.code for i in self._pending()]

    def _pending(self) -> list:
        return [i for i in self.items if i.payee == "worker" and i.status == "unknown"]

    @property
    def pending_max(self) -> int | None:
        """The most the pending items could add to the total, from each item's own most; None when
        one of them has no known most (its amount depends on an unanswered number), 0 when none."""
        pending = self._pending()
        if any(not i.possible_amount for i in pending):
            return None
        return sum(i.possible_amount for i in pending)


def _set_aside_future_dates(person: Person, as_of: dt.date, lang: str) -> tuple[Person, list[str]]:
    """A date after the day of the check cannot be right, and is said. The first employment date
    counts as not given; a certificate's makes the skill item an error (``typed_columns``)."""
    late = [name for name in PAST_DATES if getattr(person, name) is not None and getattr(person, name) > as_of]
    said = [
        t("person.future_date", lang, field=t(f"person.field.{name}", lang), date=_day(getattr(person, name), lang),
          today=_day(as_of, lang))
        for name in late
    ]
    aside = {name: None for name in late if name != "certificate_date"}
    return (person.model_copy(update=aside) if aside else person), said


def _day(d: dt.date, lang: str) -> str:
    return t("rules.date", lang, y=d.year, m=d.month, d=d.day)


def estimate(person: Person, as_of: dt.date | None = None, standards: dict | None = None, lang: str = "zh",
             audience: str = "worker") -> Estimate:
    """Everything the notice gives this person, why, and what is still missing, worded for
    ``audience`` (the worker; "officer" gives the roster's words)."""
    as_of = as_of or dt.date.today()
    person, problems = _set_aside_future_dates(person, as_of, lang)
    typed = typed_columns([person], as_of)
    result, sim, _ = evaluate_columns(typed, as_of, standards, lang, with_texts=False)
    row = {name: values[0] for name, values in result.items()}
    policy = reference.policies()[int(sim.policy_index[0])]
    deadline = policy["claim_deadline"]
    cov = explain.describe_coverage(explain.coverage_codes(sim)[1][0], lang, audience)
    coverage_final = str(row["covered"]) == "not_eligible" and explain.is_final(cov, as_of, policy)
    items = []
    for spec in REGISTRY:
        item = spec.code
        facts = explain.item_codes(sim, item)[1][0]
        text = explain.describe_item(item, facts, lang, standards, audience)
        roster = text if audience == "officer" else explain.describe_item(item, facts, lang, standards)
        status = str(row[f"{item}_status"])
        final = status == "not_eligible" and explain.is_final(text, as_of, policy)
        amount: int | None = int(row[item])
        payable: int | None = int(row[f"{item}_payable"])
        most, most_known = spec.possible(sim) if spec.possible else ([0], [False])
        possible = int(most[0]) if most_known[0] else None
        if spec.local_standard and not sim.standard(spec.local_standard)[1][0] and status != "not_eligible":
            amount = payable = possible = None     # the notice gives no figure: none is invented
        items.append(
            ItemResult(
                code=item,
                title=t(f"rules.item_title.{item}", lang),
                clause=spec.clause,
                payee=spec.payee,
                status=status,
                amount=amount,
                possible_amount=possible if status == "unknown" and possible else None,
                reasons=list(text.reasons),
                missing=[] if final else list(text.missing),
                next_step=None if final else text.next_step,
                notes=list(text.notes),
                detail=list(text.detail),
                lang=lang,
                final=final,
                roster_text=roster.joined(lang),
                payable=payable,
                errors=list(text.errors),
            )
        )
    category = str(row["category"]) if person.registered_poor is not None and person.home_province else None
    return Estimate(
        covered=str(row["covered"]),
        coverage_reasons=list(cov.reasons),
        coverage_missing=[] if coverage_final else list(cov.missing),
        items=items,
        total_to_worker=int(sum(int(row[i]) for i in WORKER_ITEMS)),
        total_payable_to_worker=int(row["total_payable_to_worker"]),
        category=category,
        sichuan_helped=bool(row["sichuan_helped"]),
        cannot_check=[t(f"person.cannot_check.{k}", lang) for k in CANNOT_CHECK],
        notes=[t(f"person.reading.{k}", lang, **_reading_fmt(lang, policy)) for k in READING_NOTES],
        claim_deadline=deadline,
        claim_closed=as_of > deadline,
        as_of=as_of,
        coverage_final=coverage_final,
        input_problems=problems,
    )


def estimate_many(people: list[Person], as_of: dt.date | None = None, standards: dict | None = None) -> pd.DataFrame:
    """Many self-checks at once (the same engine, one row each): amounts and statuses."""
    result, _, _ = evaluate_frame(typed_frame(people, as_of), as_of, standards, with_texts=False)
    return result


# certificate_kind: whether a certificate is a 职业资格证书 at all, which the form does not ask
CANNOT_CHECK = ("lawful_insurance", "registered_poor", "trained_in_shaoxing", "certificate_kind", "rent_real",
                "organizer_entity", "first_time")
READING_NOTES = ("window", "rent_cap", "junior_cap", "levels", "local_standards", "deadline")


def _reading_fmt(lang: str = "zh", policy: reference.Policy | None = None) -> dict:
    """The figures of the reading notes, from the policy the person is under."""
    p = policy or reference.policy()
    return {
        "start": t("rules.date", lang, y=p.start.year, m=p.start.month, d=p.start.day),
        "end": t("rules.date", lang, y=p.end.year, m=p.end.month, d=p.end.day),
        "deadline": t("rules.date", lang, y=p["claim_deadline"].year, m=p["claim_deadline"].month, d=p["claim_deadline"].day),
        "max": p["max_subsidy_months"],
        "cap": p["skill_training.cap_junior"],
        "end_month": t("rules.month", lang, y=p.end.year, m=p.end.month),
    }
