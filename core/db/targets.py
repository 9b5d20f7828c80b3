"""Yearly hiring targets and the local standards the notice defers to, set by administrators.

Targets of a year the notice itself sets (2018, data/targets.yaml) are read from the notice and
cannot be changed for the whole city; administrators may add per-district targets for any year
and city targets for later years. Every change is audited with the old and new values.
"""
from __future__ import annotations

import math

import pandas as pd
from sqlalchemy import Connection, insert, select, update

from core import reference
from core.db import audit
from core.db.accounts import AccountError, User, can, canonical_district
from core.db.models import standards, targets
from core.db.session import reading, transaction, utcnow
from core.i18n import t

KEYS = ("total", "paired_four", "other_central_western", "sichuan_helped")


def stored_targets(year: int, district: str | None = None) -> dict | None:
    """What an administrator entered for the year (and district), or None."""
    with reading() as conn:
        r = conn.execute(select(targets).where(targets.c.year == int(year),
                                               targets.c.district == (district or ""))).mappings().first()
    return None if r is None else {k: r[k] for k in KEYS}


def get_targets(year: int, district: str | None = None) -> dict | None:
    """The targets of a year: the notice's for its own years (city), else what was entered, else None."""
    if district is None:
        notice = reference.notice_targets().get(int(year))
        if notice:
            return {k: int(notice[k]) for k in KEYS}
    return stored_targets(year, district)


def _clean(values: dict) -> dict:
    out = {}
    for k in KEYS:
        v = values.get(k)
        if v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and pd.isna(v)):
            out[k] = None
            continue
        try:
            n = int(v)
        except (TypeError, ValueError):
            raise AccountError("db.targets.bad_value") from None
        if n < 0 or n != float(v):
            raise AccountError("db.targets.bad_value")
        out[k] = n
    return out


def _consistent(values: dict) -> None:
    """The measures hold together as the notice's do (二: 1784 = 415 + 1369, and the 346 from
    Sichuan's helped areas are within the 415): refused otherwise. Blank measures are not checked."""
    total, paired, other, sichuan = (values.get(k) for k in ("total", "paired_four", "other_central_western",
                                                              "sichuan_helped"))
    if None not in (total, paired, other) and total != paired + other:
        raise AccountError("db.targets.sum_differs", total=total, paired=paired, other=other)
    if None not in (paired, sichuan) and sichuan > paired:
        raise AccountError("db.targets.sichuan_over", sichuan=sichuan, paired=paired)


def set_targets(year: int, values: dict, user: User, district: str | None = None, ip: str | None = None) -> None:
    if not can(user, "admin"):
        raise AccountError("db.permission_denied")
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise AccountError("db.targets.bad_year") from None
    if not 2000 <= year <= 2100:
        raise AccountError("db.targets.bad_year")
    if district:
        canon = canonical_district(district)
        if canon is None:
            raise AccountError("db.events.bad_district")
        district = canon
    elif year in reference.notice_targets():
        raise AccountError("db.targets.notice_fixed", year=year)
    clean = _clean(values)
    _consistent(clean)
    now = utcnow()
    with transaction() as conn:
        old = conn.execute(select(targets).where(targets.c.year == year, targets.c.district == (district or ""))
                           ).mappings().first()
        if old is None:
            conn.execute(insert(targets).values(year=year, district=district or "", set_by=user.name, set_at=now, **clean))
        else:
            conn.execute(update(targets).where(targets.c.id == old["id"]).values(set_by=user.name, set_at=now, **clean))
        audit.record(conn, "target_set", actor=user.name, target=f"{year} {district or t('db.targets.city')}", ip=ip,
                     year=year, district=district, old=None if old is None else {k: old[k] for k in KEYS}, new=clean)


def list_targets() -> pd.DataFrame:
    """Every year's city targets (notice and entered) and entered district targets."""
    rows = [{"year": y, "district": "", **{k: int(v[k]) for k in KEYS}, "set_by": v.get("source"), "set_at": None}
            for y, v in reference.notice_targets().items()]
    with reading() as conn:
        for r in conn.execute(select(targets).order_by(targets.c.year, targets.c.district)).mappings():
            rows.append({"year": r["year"], "district": r["district"], **{k: r[k] for k in KEYS},
                         "set_by": r["set_by"], "set_at": r["set_at"]})
    return pd.DataFrame(rows, columns=["year", "district", *KEYS, "set_by", "set_at"])


# --- local standards ------------------------------------------------------------------------

def standard_keys() -> list[str]:
    """Parameters of the notice that have no figure (an administrator enters the local one)."""
    return [name for name, p in reference.policy().parameters.items() if p.value is None]


def get_standards() -> dict:
    """The entered local standards, for the engine's ``standards`` argument."""
    with reading() as conn:
        return standards_in(conn)


def standards_in(conn: Connection) -> dict:
    """The entered local standards as ``conn`` sees them (an upload's own transaction)."""
    return {k: v for k, v in conn.execute(select(standards.c.key, standards.c.value)).all() if v is not None}


def set_standard(key: str, value: float | None, user: User, ip: str | None = None) -> None:
    if not can(user, "admin"):
        raise AccountError("db.permission_denied")
    if key not in standard_keys():
        raise AccountError("db.targets.bad_standard")
    if value is not None:
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise AccountError("db.targets.bad_standard") from None
        if not (math.isfinite(value) and value >= 0):
            raise AccountError("db.targets.bad_standard")
    now = utcnow()
    with transaction() as conn:
        old = conn.execute(select(standards.c.value).where(standards.c.key == key)).first()
        if old is None:
            conn.execute(insert(standards).values(key=key, value=value, set_by=user.name, set_at=now))
        else:
            conn.execute(update(standards).where(standards.c.key == key).values(value=value, set_by=user.name, set_at=now))
        audit.record(conn, "standard_set", actor=user.name, target=key, ip=ip,
                     old=None if old is None else old[0], new=value)
