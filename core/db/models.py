"""The schema (SQLAlchemy Core tables). Migrations in ``core/db/migrations`` create exactly this.

Times are stored as naive UTC. ID numbers are never stored in clear: ``person_key`` is an
HMAC-SHA256 of the normalised number under a secret key, ``id_number_masked`` its display form
(docs/DATA_PROTECTION.md).
"""
from __future__ import annotations

import re

from sqlalchemy import (
    BigInteger, Boolean, Column, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, MetaData,
    String, Table, Text, UniqueConstraint, text,
)

from core.items import ITEMS, ONCE, REGISTRY

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# On PostgreSQL the ledger and the roster rows are partitioned tables (migration 0007,
# docs/STORAGE.md); their partitions are storage, not tables of the schema. Alembic's
# comparisons skip them (``include_name``).
PARTITIONS = re.compile(r"^(payments_h\d{2}|roster_rows_y\d{4}|roster_rows_other)$")


def include_name(name, type_, parent_names) -> bool:
    """Alembic's ``include_name``: every table but the partitions of a partitioned one."""
    return not (type_ == "table" and PARTITIONS.match(name or ""))


# The foreign keys on upload_id of the two bulk tables, which PostgreSQL does not keep (migration
# 0009: one check query per stored row; an upload that rows name cannot be deleted instead).
ROW_FOREIGN_KEYS = frozenset({"fk_roster_rows_upload_id_uploads", "fk_payments_upload_id_uploads"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's ``include_object``: every object but the foreign keys of ``ROW_FOREIGN_KEYS``
    (kept on SQLite, dropped on PostgreSQL: the models declare SQLite's)."""
    return not (type_ == "foreign_key_constraint" and name in ROW_FOREIGN_KEYS)

# Item codes of the roster, from the registry (core.items); their amounts live in data/policy.
# A new item needs a migration adding its four columns to roster_rows.
ROW_ITEMS = ITEMS
ONE_TIME_ITEMS = tuple(i.code for i in REGISTRY if i.frequency == ONCE)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(32), nullable=False),
    Column("district", String(16)),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(64)),
    Column("disabled_at", DateTime),
    # a password an administrator set (reset) must be changed at the next sign-in (migration 0006)
    Column("must_change_password", Boolean, nullable=False, default=False, server_default=text("false")),
    Column("password_changed_at", DateTime),
)

login_failures = Table(
    "login_failures", metadata,
    Column("username", String(64), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_failure_at", DateTime),
)

settings = Table(
    "settings", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text),
    Column("updated_at", DateTime),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("actor", String(64)),
    Column("action", String(32), nullable=False),
    Column("target", String(255)),
    Column("ok", Boolean, nullable=False, default=True),
    Column("ip", String(64)),
    Column("detail", Text),
    # SHA-256 of the previous entry's hash and this entry's fields (core.db.audit.entry_hash)
    Column("hash", String(64)),
    # the client's network: an IPv4 address, an IPv6 address's /64 (core.db.throttle.network_key;
    # migration 0010); derived from ip, not hashed
    Column("net", String(64)),
    # the login limits' look-ups (core.db.throttle): failures in a window, of a network, of an
    # account; (action, at) replaced the index on action alone (migration 0010)
    Index("ix_audit_log_action_at", "action", "at"),
    Index("ix_audit_log_net_action_at", "net", "action", "at"),
    Index("ix_audit_log_actor_action_at", "actor", "action", "at"),
)

uploads = Table(
    "uploads", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("username", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("district", String(16)),
    Column("filename", String(255), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("uploaded_at", DateTime, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("valid", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("blank_rows", Integer, nullable=False, default=0),
    Column("flagged", Integer, nullable=False, default=0),
    Column("total_to_worker", BigInteger, nullable=False, default=0),
    Column("demo", Boolean, nullable=False, default=False),
    Column("withdrawn_at", DateTime),
    Column("withdrawn_by", String(64)),
    Column("withdraw_reason", Text),
    Column("as_of", Date),                     # the day of the check (RULES.md: due and payable)
    Column("total_payable_to_worker", BigInteger),
    # the same content is kept once while it is not withdrawn (concurrent uploads included)
    Index("uq_uploads_active_content", "content_hash", unique=True,
          sqlite_where=text("withdrawn_at IS NULL"), postgresql_where=text("withdrawn_at IS NULL")),
)

_row_item_columns = []
for _item in ROW_ITEMS:
    _row_item_columns += [
        Column(_item, BigInteger, nullable=False, default=0),
        Column(f"{_item}_status", String(16)),
        Column(f"{_item}_reason", Text),
        Column(f"{_item}_next_step", Text),
    ]

roster_rows = Table(
    "roster_rows", metadata,
    Column("id", Integer, primary_key=True),
    Column("upload_id", Integer, ForeignKey("uploads.id"), nullable=False, index=True),
    Column("row", Integer, nullable=False),
    Column("person_key", String(64)),
    Column("id_number_masked", String(32)),
    Column("name", String(64)),
    Column("valid", Boolean, nullable=False),
    Column("errors", Text, nullable=False, default=""),
    Column("warnings", Text, nullable=False, default=""),
    Column("category", String(32)),
    Column("sichuan_helped", Boolean),
    Column("year", Integer, index=True),
    Column("covered", String(16)),
    Column("covered_reason", Text),
    *_row_item_columns,
    Column("rent_counted_months", Integer),
    Column("employer_social_insurance_months", Integer),
    Column("total_to_worker", BigInteger, nullable=False, default=0),
    Column("home_province", String(32)),
    Column("home_province_code", String(2)),
    Column("home_county", String(64)),
    Column("registered_poor", Boolean),
    Column("first_employment_date", Date),
    Column("work_district", String(16), index=True),
    Column("employer", String(255)),
    Column("social_insurance_months", Integer),
    Column("continuous_months", Integer),
    Column("certificate_level", String(16)),
    Column("certificate_date", Date),
    Column("training_cost", Float),
    Column("self_rented_months", Integer),
    Column("organizer", String(255)),
    Column("prior_paid", Text, nullable=False, default=""),
    Column("claim_closed", Boolean),          # checked after the claim deadline: nothing payable
    Column("total_payable_to_worker", BigInteger),
    # a person's rows in the order that decides their earliest counted row, with what that choice
    # reads, so the reports answer it from the index alone (migration 0008, core.db.report_queries);
    # also every look-up by person_key
    Index("ix_roster_rows_person_first", "person_key", "first_employment_date", "upload_id", "row", "valid",
          "category", "year"),
)

# Ledger of what was paid to or for a person, by how often the item pays (core.items): a one-time
# item once (seq 0), the skill subsidy once per level (seq = the level, 1 初级工 … 3 高级工), a
# monthly item as successive slices of months (seq 0, 1, …). Only what is payable on the day of
# the check is entered. Unique while active, so two concurrent uploads cannot both pay.
payments = Table(
    "payments", metadata,
    Column("id", Integer, primary_key=True),
    Column("person_key", String(64), nullable=False),
    Column("item", String(32), nullable=False),
    Column("seq", Integer, nullable=False, default=0),
    Column("months", Integer),
    Column("amount", BigInteger, nullable=False),
    Column("upload_id", Integer, ForeignKey("uploads.id"), nullable=False, index=True),
    Column("row", Integer, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
    Index("uq_payments_active_person_item", "person_key", "item", "seq", unique=True,
          sqlite_where=text("active"), postgresql_where=text("active")),
)

fairs = Table(
    "fairs", metadata,
    Column("id", Integer, primary_key=True),
    Column("district", String(16), nullable=False),
    Column("date", Date, nullable=False),
    Column("venue", String(255), nullable=False),      # the place (county, town, hall)
    Column("province", String(2)),                     # GB/T 2260 code; NULL on fairs stored before 0002
    Column("created_by", String(64)),
    Column("created_at", DateTime, nullable=False),
    Column("demo", Boolean, nullable=False, default=False),
    Column("withdrawn_at", DateTime),
    Column("withdrawn_by", String(64)),
)

fair_enterprises = Table(
    "fair_enterprises", metadata,
    Column("id", Integer, primary_key=True),
    Column("fair_id", Integer, ForeignKey("fairs.id"), nullable=False, index=True),
    Column("enterprise", String(255), nullable=False),
    UniqueConstraint("fair_id", "enterprise"),
)

love_posts = Table(
    "love_posts", metadata,
    Column("id", Integer, primary_key=True),
    Column("employer", String(255), nullable=False),
    Column("person_name", String(64)),
    Column("person_key", String(64)),
    Column("id_number_masked", String(32)),
    Column("year", Integer, nullable=False),
    Column("months", Integer, nullable=False),
    Column("district", String(16)),
    Column("created_by", String(64)),
    Column("created_at", DateTime, nullable=False),
    Column("demo", Boolean, nullable=False, default=False),
    Column("withdrawn_at", DateTime),
    Column("withdrawn_by", String(64)),
)

bases = Table(
    "bases", metadata,
    Column("id", Integer, primary_key=True),
    Column("base", String(255), nullable=False),
    Column("level", String(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("hires", Integer, nullable=False),
    Column("district", String(16)),
    Column("created_by", String(64)),
    Column("created_at", DateTime, nullable=False),
    Column("demo", Boolean, nullable=False, default=False),
    Column("withdrawn_at", DateTime),
    Column("withdrawn_by", String(64)),
)

# Yearly hiring targets entered by an administrator; district "" is the whole city.
targets = Table(
    "targets", metadata,
    Column("id", Integer, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("district", String(16), nullable=False, default=""),
    Column("total", Integer),
    Column("paired_four", Integer),
    Column("other_central_western", Integer),
    Column("sichuan_helped", Integer),
    Column("set_by", String(64)),
    Column("set_at", DateTime, nullable=False),
    UniqueConstraint("year", "district"),
)

# Local standards the notice defers to (e.g. love_post.monthly), entered by an administrator.
standards = Table(
    "standards", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Float),
    Column("set_by", String(64)),
    Column("set_at", DateTime, nullable=False),
)

# Sichuan counties Zhejiang helps that an administrator added to data/reference/
# sichuan_helped_counties.csv (core.db.counties); removed ones are kept, marked. One active row a code.
helped_counties = Table(
    "helped_counties", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(6), nullable=False),
    Column("name", String(64), nullable=False),
    Column("aliases", String(255), nullable=False, default=""),
    Column("old_codes", String(64), nullable=False, default=""),
    Column("prefecture", String(64), nullable=False, default=""),
    Column("source", String(255), nullable=False, default=""),
    Column("added_by", String(64)),
    Column("added_at", DateTime, nullable=False),
    Column("removed_at", DateTime),
    Column("removed_by", String(64)),
    Index("uq_helped_counties_active_code", "code", unique=True,
          sqlite_where=text("removed_at IS NULL"), postgresql_where=text("removed_at IS NULL")),
)

# The district's year-round follow-up of each person (notice 四、三: 动态管理, 跟踪服务): one entry a
# fact, never changed or deleted; a correction is a new entry naming the one it corrects
# (``corrects_id``). ``kind`` is "status" (在岗 / 离职 / 返乡 / 失业登记 / 转移就业, ``value`` its code)
# or "service" (政策咨询、失业登记、岗位推送、职业培训 …, ``value`` its code). The person is the
# keyed hash of the normalised ID number, as in roster_rows and payments.
followups = Table(
    "followups", metadata,
    Column("id", Integer, primary_key=True),
    Column("person_key", String(64), nullable=False, index=True),
    Column("id_number_masked", String(32)),
    Column("name", String(64)),
    Column("district", String(16), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("value", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("officer", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("corrects_id", Integer, ForeignKey("followups.id")),
    Column("demo", Boolean, nullable=False, default=False),
    Index("uq_followups_corrects_id", "corrects_id", unique=True),     # one correction an entry
)

# The 工作台帐 (notice 四、三, "要建立工作台帐"): each cooperation activity of a district. A recruitment fair is a link
# to its record in ``fairs`` (``fair_id``), never a copy. Corrected by a new entry, as follow-ups.
activities = Table(
    "activities", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),        # joint_meeting, fair, training, visit, publicity, other
    Column("date", Date, nullable=False),
    Column("district", String(16), nullable=False, index=True),
    Column("place", String(255), nullable=False, default=""),
    Column("people_reached", Integer),
    Column("note", Text, nullable=False, default=""),
    Column("fair_id", Integer, ForeignKey("fairs.id")),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("corrects_id", Integer, ForeignKey("activities.id")),
    Column("demo", Boolean, nullable=False, default=False),
    Index("uq_activities_corrects_id", "corrects_id", unique=True),    # one correction an entry
)

# Signed-in sessions (core.db.sessions): the browser holds a random token in an HttpOnly cookie,
# the database only its SHA-256 (``token_hash``). A login first makes a row with a one-time code
# (``code_hash``, valid for a minute) that the browser exchanges at /_auth/session for the token.
# ``revoked_at`` ends a session (logout, password change or reset, account disabled).
sessions = Table(
    "sessions", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("token_hash", String(64), unique=True),
    Column("code_hash", String(64), unique=True),
    Column("code_expires_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
    Column("revoked_reason", String(32)),
    Column("ip", String(64)),
)

# An officer's unsaved roster (the uploaded file and the day of the check), one per session,
# encrypted (AES-GCM) under a key derived from the session's token, which only the browser holds:
# the database alone cannot read it. Deleted when the result is saved, at logout and on expiry.
session_drafts = Table(
    "session_drafts", metadata,
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", DateTime, nullable=False),
)
