"""A district's people as a list (notice 四、三: 动态管理): one line per person with the status in
force, the last follow-up and the items due but not paid, filtered as officers ask, and the same
list as an xlsx workbook.

Items due but not paid: in the person's newest valid stored row, each item whose amount is
larger than what that row's own upload paid (``payments``, active). Later uploads subtract what
earlier ones paid (core.db.ledger), so the newest row says what is still due.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import select

from core.db.accounts import AccountError, User
from core.db.models import ROW_ITEMS, followups, payments, roster_rows, uploads
from core.db.people import VOID, followup_codes, frame_of, rows_in, scope, timeline_query
from core.db.session import reading
from core.i18n import join_enum, t
from core.table_xlsx import table_xlsx

NO_STATUS = "none"                 # the status filter: people with no status entry in force
MAX_QUIET_DAYS = 3650
COLUMNS = ["person_key", "name", "id_number_masked", "district", "rows", "last_upload", "status", "status_date",
           "last_followup", "days_since", "unpaid_items", "unpaid_amount", "paid_amount"]


def _district(user: User, district: str | None) -> str | None:
    own = scope(user)
    if own is not None and district is not None and district != own:
        raise AccountError("people.not_your_district", district=district)
    return own or district


def _quiet_days(value) -> int | None:
    if value is None or value == "":
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise AccountError("people.bad_quiet_days") from None
    if n != float(value) or not 0 <= n <= MAX_QUIET_DAYS:
        raise AccountError("people.bad_quiet_days")
    return n or None


def people_list(user: User, district: str | None = None, status: str | None = None, quiet_days: int | None = None,
                unpaid_only: bool = False, as_of: dt.date | None = None) -> pd.DataFrame:
    """The people ``user`` may see (of ``district``; a district officer's own only), one line each
    (``COLUMNS``): ``status`` a status code or NO_STATUS; ``quiet_days`` N keeps people with no
    follow-up entry in force for more than N days before ``as_of`` (today), or none at all;
    ``unpaid_only`` people with items due but not paid."""
    where = _district(user, district)
    quiet = _quiet_days(quiet_days)
    if status not in (None, "", NO_STATUS) and status not in followup_codes()["status"]:
        raise AccountError("people.bad_value")
    as_of = as_of or dt.date.today()
    items = [roster_rows.c[i] for i in ROW_ITEMS]
    with reading() as conn:
        rows = frame_of(conn, rows_in(select(roster_rows.c.person_key, roster_rows.c.name, roster_rows.c.id_number_masked,
                                           roster_rows.c.work_district, roster_rows.c.upload_id, roster_rows.c.row,
                                           roster_rows.c.valid, uploads.c.uploaded_at, *items)
                                    .join(uploads, uploads.c.id == roster_rows.c.upload_id), where))
        # the ledger entries of the uploads these rows come from, matched to the rows below (a join
        # on (upload_id, row) in SQL scans each upload's rows once per payment)
        shown = sorted(set(rows["upload_id"].tolist()))
        q = select(payments.c.upload_id, payments.c.row, payments.c.item, payments.c.amount) \
            .where(payments.c.active.is_(True))
        paid = frame_of(conn, q.where(payments.c.upload_id.in_(shown)) if len(shown) <= 1000 else q)
        entries = frame_of(conn, timeline_query(where).where(followups.c.kind != VOID))
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = rows.sort_values(["uploaded_at", "upload_id", "row"])
    last = rows.groupby("person_key").tail(1).set_index("person_key")
    out = pd.DataFrame({"person_key": last.index, "name": last["name"].to_numpy(),
                        "id_number_masked": last["id_number_masked"].to_numpy(),
                        "district": last["work_district"].to_numpy(),
                        "rows": rows.groupby("person_key").size().reindex(last.index).to_numpy(),
                        "last_upload": pd.to_datetime(last["uploaded_at"]).to_numpy()}).set_index("person_key")
    out = out.join(_followups(entries, as_of)).join(_money(rows, paid))
    out["unpaid_amount"] = out["unpaid_amount"].fillna(0).astype("int64")
    out["paid_amount"] = out["paid_amount"].fillna(0).astype("int64")
    out["unpaid_items"] = out["unpaid_items"].apply(lambda v: v if isinstance(v, tuple) else ())
    keep = np.ones(len(out), dtype=bool)
    if status == NO_STATUS:
        keep &= out["status"].isna().to_numpy()
    elif status:
        keep &= (out["status"] == status).fillna(False).to_numpy(dtype=bool)
    if quiet is not None:
        keep &= (out["days_since"].isna() | (out["days_since"] > quiet)).to_numpy(dtype=bool)
    if unpaid_only:
        keep &= (out["unpaid_amount"] > 0).to_numpy()
    out = out[keep].reset_index()
    return out.sort_values(["district", "name", "id_number_masked"], na_position="last").reset_index(drop=True)[COLUMNS]


def _followups(entries: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Per person key: the status in force and its date, the last entry in force, days since."""
    cols = ["status", "status_date", "last_followup", "days_since"]
    live = entries[entries["corrected_by"].isna()] if len(entries) else entries
    if live.empty:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="person_key"))
    live = live.assign(date=pd.to_datetime(live["date"])).sort_values(["date", "id"])
    statuses = live[live["kind"] == "status"].groupby("person_key").tail(1).set_index("person_key")
    lastd = live.groupby("person_key")["date"].max()
    out = pd.DataFrame({"last_followup": lastd.dt.date})
    out["days_since"] = (pd.Timestamp(as_of) - lastd).dt.days.astype("Int64")
    out["status"] = statuses["value"].reindex(out.index)
    out["status_date"] = statuses["date"].dt.date.reindex(out.index)
    return out[cols]


def _money(rows: pd.DataFrame, paid: pd.DataFrame) -> pd.DataFrame:
    """Per person key: paid_amount (all visible active payments), unpaid_items and unpaid_amount
    of the newest valid row (whole columns: no per-person look-ups)."""
    where = rows[["upload_id", "row", "person_key"]]
    paid = paid.merge(where, on=["upload_id", "row"], how="inner")
    total = paid.groupby("person_key")["amount"].sum()
    newest = rows[rows["valid"].astype(bool)].groupby("person_key").tail(1)
    by_row = (paid.pivot_table(index=["upload_id", "row"], columns="item", values="amount", aggfunc="sum")
              if len(paid) else pd.DataFrame(index=pd.MultiIndex.from_arrays([[], []], names=["upload_id", "row"])))
    got = by_row.reindex(pd.MultiIndex.from_frame(newest[["upload_id", "row"]])).reindex(columns=list(ROW_ITEMS))
    owed = np.column_stack([
        pd.to_numeric(newest[i], errors="coerce").fillna(0).to_numpy(dtype="int64")
        - got[i].fillna(0).to_numpy(dtype="int64") for i in ROW_ITEMS]) if len(newest) else \
        np.zeros((0, len(ROW_ITEMS)), dtype="int64")
    owed = np.clip(owed, 0, None)
    names = np.array(ROW_ITEMS, dtype=object)
    items = [tuple(names[mask]) for mask in owed > 0]
    out = pd.DataFrame({"unpaid_items": items, "unpaid_amount": owed.sum(axis=1)},
                       index=pd.Index(newest["person_key"].to_numpy(), name="person_key"))
    out["paid_amount"] = total.reindex(out.index)
    extra = total.index.difference(out.index)
    if len(extra):
        out = pd.concat([out, pd.DataFrame({"paid_amount": total.reindex(extra)})])
    out.index.name = "person_key"
    return out


def display(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The list as officers read it (the page and the workbook): headers, statuses and items in
    words; the person key left out."""
    def status(v):
        return t(f"people.status.{v}", lang) if isinstance(v, str) and v else ""

    out = pd.DataFrame({
        "person": frame["name"], "id_number_masked": frame["id_number_masked"], "district": frame["district"],
        "status": frame["status"].map(status), "status_date": frame["status_date"],
        "last_followup": frame["last_followup"], "days_since": frame["days_since"],
        "unpaid_items": frame["unpaid_items"].map(
            lambda v: join_enum([t(f"rules.item_title.{i}", lang) for i in v], lang)),
        "unpaid_amount": frame["unpaid_amount"], "paid_amount": frame["paid_amount"], "rows": frame["rows"],
        "last_upload": pd.to_datetime(frame["last_upload"]).dt.floor("min"),
    })
    out.columns = [t(f"people.col.{c}", lang) for c in out.columns]
    return out.reset_index(drop=True)


def people_xlsx(frame: pd.DataFrame, district: str | None, lang: str = "zh", today: dt.date | None = None) -> bytes:
    """The list as a workbook: a title row (whose list, when), then the table."""
    title = t("people.export_title.people", lang, district=district or t("people.city", lang),
              day=(today or dt.date.today()).isoformat())
    return table_xlsx([(t("people.sheet.people", lang), title, display(frame, lang))])
