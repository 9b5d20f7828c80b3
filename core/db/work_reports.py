"""Who may reconcile, report and issue a bulletin, over which district; each run audited.

The pages (pages/reconcile.py, pages/reports.py) and the command line (core.reports_cli) go
through these functions, so that the roles are decided in one place:

- reconciliation with the province's list: district officers (their own district only), city
  officers and administrators (any district, or the whole city); leaders read, they do not
  reconcile;
- the monthly statistics table: every role; a district officer's is its own district's;
- the bulletin ranks every district: city officers, leaders and administrators.
"""
from __future__ import annotations

from core.db import audit
from core.db.accounts import AccountError, User, canonical_district

RECONCILE_ROLES = ("admin", "city_officer", "district_officer")
REPORT_ROLES = ("admin", "city_officer", "district_officer", "leader")
BULLETIN_ROLES = ("admin", "city_officer", "leader")


def scope(user: User | None, district: str | None, roles: tuple[str, ...]) -> str | None:
    """The district ``user`` works on (None: the whole city): a district officer's own, whatever
    it asked; another district asked by a district officer, or a role not in ``roles``, is refused."""
    if user is None or user.role not in roles:
        raise AccountError("db.permission_denied")
    if district:
        canon = canonical_district(district)
        if canon is None:
            raise AccountError("db.events.bad_district")
        district = canon
    if user.role == "district_officer":
        if not user.district or (district and district != user.district):
            raise AccountError("db.permission_denied")
        return user.district
    return district or None


def reconcile_file(data: bytes, filename: str, user: User | None, district: str | None = None,
                   ip: str | None = None, lang: str = "zh", include_demo: bool = False):
    """Read the province's list (in the reading process, RosterReadError when it cannot be read),
    compare it with the stored people of the district (demo uploads' people only with
    ``include_demo``), audit; a core.reconcile.Reconciliation."""
    from core.db.stored_people import district_people
    from core.reader import read_province_list_isolated
    from core.reconcile import reconcile

    where = scope(user, district, RECONCILE_ROLES)
    raw = read_province_list_isolated(data, filename)
    rec = reconcile(raw, district_people(where, user, include_demo), where, lang=lang)
    s = rec.summary
    audit.record(None, "reconcile", actor=user.name, target=filename, ip=ip, district=where, include_demo=include_demo,
                 **{k: s[k] for k in ("province_rows", "local_people", "matched", "differs", "only_province",
                                      "only_local", "unmatched")})
    return rec


def monthly_report(year: int, month: int, user: User | None, district: str | None = None,
                   ip: str | None = None, lang: str = "zh") -> dict:
    from core import report

    where = scope(user, district, REPORT_ROLES)
    out = report.monthly_report(year, month, where, lang=lang)
    audit.record(None, "report", actor=user.name, target=f"{year}-{int(month):02d} {out['unit']}", ip=ip,
                 year=int(year), month=int(month), district=where)
    return out


def bulletin(year: int, month: int | None, user: User | None, ip: str | None = None, lang: str = "zh") -> bytes:
    from core.bulletin import bulletin_docx

    scope(user, None, BULLETIN_ROLES)
    data = bulletin_docx(year, month, lang)
    audit.record(None, "bulletin", actor=user.name, target=f"{year}-{int(month or 12):02d}", ip=ip,
                 year=int(year), month=month)
    return data
