"""The district's stored people, for the reconciliation with the province's list (core.reconcile).

A person is one ``person_key`` (the keyed hash of the normalised ID number, core.db.ids) among the
rows of uploads that are not withdrawn; what is shown of them (name, household province, county,
work district, first employment date) is taken from their latest stored row (the last upload,
then the last row). Rows whose ID number could not be read as one (no key) are not people.
Demo uploads (``python -m core demo``, ``uploads.demo``) are not people of the district unless
asked for, as the dashboard and the reports leave them out (core.db.stored_progress).
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import String, cast, select

from core.db.accounts import User
from core.db.models import roster_rows, uploads
from core.db.session import reading
from core.db.uploads import _visible

PEOPLE_COLUMNS = ("person_key", "id_number_masked", "name", "home_province", "home_province_code", "home_county",
                  "work_district", "first_employment_date", "upload_id", "row")


def district_people(district: str | None = None, user: User | None = None,
                    include_demo: bool = False) -> pd.DataFrame:
    """One row per stored person whose latest row is in ``district`` (None: every district), of
    the rows ``user`` may see (None: all), demo uploads' rows only with ``include_demo``;
    columns :data:`PEOPLE_COLUMNS`."""
    kept = [uploads.c.withdrawn_at.is_(None)] + ([] if include_demo else [uploads.c.demo.is_(False)])
    # the date as its text (no per-row conversion by the driver); rows as plain tuples (pandas
    # asks each SQLAlchemy Row for attributes it does not have, which costs seconds per 100,000)
    cols = [cast(roster_rows.c[c], String).label(c) if c == "first_employment_date" else roster_rows.c[c]
            for c in PEOPLE_COLUMNS if c != "upload_id"]
    q = (select(roster_rows.c.upload_id, *cols)
         .join(uploads, uploads.c.id == roster_rows.c.upload_id)
         .where(*kept, roster_rows.c.person_key.is_not(None)))
    if district:
        # only people with a row in the district can have their latest row there: the others'
        # rows are not fetched (through the person_key index; a city of six districts: a sixth)
        inside = (select(roster_rows.c.person_key).join(uploads, uploads.c.id == roster_rows.c.upload_id)
                  .where(*kept, roster_rows.c.work_district == district,
                         roster_rows.c.person_key.is_not(None)))
        q = q.where(roster_rows.c.person_key.in_(inside))
    q = _visible(q, user)
    with reading() as conn:
        res = conn.execute(q)
        names = list(res.keys())
        frame = pd.DataFrame.from_records([tuple(r) for r in res.all()], columns=names)
    if not len(frame):
        return pd.DataFrame({c: pd.Series(dtype="string") for c in PEOPLE_COLUMNS})
    frame = frame.sort_values(["upload_id", "row"], kind="stable")
    frame = frame.drop_duplicates("person_key", keep="last")
    if district:
        frame = frame[(frame["work_district"] == district).fillna(False).to_numpy(dtype=bool)]
    frame = frame[list(PEOPLE_COLUMNS)].reset_index(drop=True)
    for c in PEOPLE_COLUMNS:
        if c not in ("upload_id", "row", "first_employment_date"):
            frame[c] = frame[c].astype("string")
    frame["first_employment_date"] = pd.to_datetime(frame["first_employment_date"], errors="coerce")
    return frame
