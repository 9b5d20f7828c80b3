"""Look-ups into other districts' data, audited: checking a roster shows which of its people
earlier uploads already paid, and for a district officer some of them were paid as workers of
another district."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import and_, or_, select, text

from core.db import audit
from core.db.accounts import User, can
from core.db.models import payments, roster_rows
from core.db.session import reading

_ACTIVE = text("payments.active")      # as the partial index says it (see core.db.uploads)


def audit_lookup(frame: pd.DataFrame, user: User, own_upload: int | None, ip: str | None = None) -> int:
    """Checking a roster shows which of its people earlier uploads already paid. For a district
    officer, people paid as workers of another district are a look-up into that district's data:
    recorded in the audit log (who, when, how many people, which districts). Returns the count."""
    if can(user, "all_districts") or "prior_paid" not in frame:
        return 0
    shown = frame["prior_paid"].fillna("").astype(str).to_numpy() != ""
    keys = pd.unique(frame.loc[shown, "person_key"].dropna().astype(str)).tolist()
    if not keys:
        return 0
    found = []
    with reading() as conn:
        for i in range(0, len(keys), 500):
            q = (select(payments.c.person_key, roster_rows.c.work_district)
                 .join(roster_rows, and_(roster_rows.c.upload_id == payments.c.upload_id,
                                         roster_rows.c.row == payments.c.row))
                 .where(_ACTIVE, payments.c.person_key.in_(keys[i:i + 500]),
                        or_(roster_rows.c.work_district.is_(None), roster_rows.c.work_district != user.district)))
            if own_upload is not None:
                q = q.where(payments.c.upload_id != own_upload)
            found.extend(conn.execute(q).all())
    people = len({k for k, _ in found})
    if people:
        districts = sorted({d or "-" for _, d in found})
        audit.record(None, "lookup_other_districts", actor=user.name, target=user.district, ip=ip, people=people,
                     other_districts=districts)
    return people
