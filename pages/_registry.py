"""The app's pages and who sees them: the roles, each page's file, title, icon, roles and menu
group (``PageSpec``), and the pages a user sees in the navigation. Plain Python (no Streamlit),
unit-tested in tests/test_app_common.py; streamlit_app.py builds the navigation from it and
``pages._common.require_role`` refuses a page to a role not listed here."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

ROOT = Path(__file__).resolve().parent.parent

ROLES = ("admin", "city_officer", "district_officer", "leader")
ROSTER_ROLES = ("admin", "city_officer", "district_officer")
DASHBOARD_ROLES = ("admin", "city_officer", "leader")


def user_role(user) -> str | None:
    return getattr(user, "role", None) if user is not None else None


def has_role(user, roles: Iterable[str], enabled: bool) -> bool:
    """Whether this user may open a page meant for ``roles``. Without accounts, everyone may."""
    if not enabled:
        return True
    return user_role(user) in set(roles)


@dataclass(frozen=True)
class PageSpec:
    path: str          # relative to the repository root, e.g. "pages/roster.py"
    title_key: str     # ui.nav.<...>
    icon: str
    roles: tuple[str, ...] | None   # None = public
    section: str = ""               # the menu group: "" the main row, else ui.nav.section_<section>


# Our own pages, listed explicitly; login and admin pages are added when their files exist.
APP_PAGES = (
    PageSpec("pages/self_check.py", "nav.self_check", ":material/fact_check:", None),
    PageSpec("pages/roster.py", "nav.roster", ":material/table_view:", ROSTER_ROLES),
    PageSpec("pages/dashboard.py", "nav.dashboard", ":material/monitoring:", DASHBOARD_ROLES),
    PageSpec("pages/district.py", "nav.district", ":material/location_city:", ("district_officer",)),
    PageSpec("pages/reconcile.py", "nav.reconcile", ":material/compare_arrows:", ROSTER_ROLES, section="year_round"),
    PageSpec("pages/reports.py", "nav.reports", ":material/summarize:", ROLES, section="year_round"),
)
OPTIONAL_PAGES = (
    PageSpec("pages/login.py", "nav.login", ":material/login:", None),
    PageSpec("pages/people.py", "nav.people", ":material/person_search:", ROLES, section="year_round"),
    PageSpec("pages/work_ledger.py", "nav.work_ledger", ":material/event_note:", ROLES, section="year_round"),
    PageSpec("pages/account.py", "nav.account", ":material/key:", ROLES),
    PageSpec("pages/events.py", "nav.events", ":material/event:", ("admin", "city_officer"), section="admin"),
    PageSpec("pages/share.py", "nav.share", ":material/qr_code_2:", ROSTER_ROLES),
    PageSpec("pages/admin.py", "nav.admin", ":material/admin_panel_settings:", ("admin",), section="admin"),
    PageSpec("pages/admin_users.py", "nav.admin_users", ":material/group:", ("admin",), section="admin"),
    PageSpec("pages/admin_targets.py", "nav.admin_targets", ":material/flag:", ("admin",), section="admin"),
    PageSpec("pages/admin_audit.py", "nav.admin_audit", ":material/history:", ("admin",), section="admin"),
)


def app_pages(root: Path = ROOT) -> list[PageSpec]:
    """Every page of the app, in menu order (optional pages when their file exists). All are
    registered with the navigation so that a bookmarked link always finds its page; the ones a
    user may not use are hidden from the menu and refuse in ``require_role``."""
    return [spec for spec in APP_PAGES + OPTIONAL_PAGES
            if spec not in OPTIONAL_PAGES or (root / spec.path).exists()]


def visible_pages(user, enabled: bool, root: Path = ROOT) -> list[PageSpec]:
    """The pages this user sees in the navigation, in menu order.

    Public users see the self-check (and the login page once accounts exist); a signed-in user
    sees the pages of their role. Optional pages are listed only when their file exists.
    """
    out = []
    for spec in app_pages(root):
        if spec.path == "pages/login.py" and user is not None:
            continue
        if spec.roles is None or has_role(user, spec.roles, enabled):
            out.append(spec)
    return out
