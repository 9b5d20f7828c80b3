"""Storage, accounts and audit trail (SQLAlchemy 2 + Alembic). Never imports Streamlit.

Where the data lives (``core.db.config``): ``DATABASE_URL`` (PostgreSQL, e.g.
``postgresql://user:pw@host/db``) when set, else an SQLite file at ``SHAOXING_DB_PATH`` or
``var/shaoxing.db`` under the project root, created on first use. The schema is migrated
(Alembic) on first use in each process and by ``python -m core db upgrade``.

Public API (for the pages and the command line)
------------------------------------------------

``core.db.accounts``::

    @dataclass(frozen=True)
    class User: name: str; role: str; district: str | None      # role in ROLES
    ROLES = ("admin", "city_officer", "district_officer", "leader")
    authenticate(username, password, ip=None) -> User | None      # audited; raises LoginRefused while a limit holds (core.db.throttle)
    setup_code_required() -> bool        # True while no account exists (the first process prints the one code)
    create_first_admin(setup_code, name, password) -> User        # raises SetupError (str(e) = Chinese sentence)
    add_user(name, password, role, district=None, actor=None) -> User
    list_users() -> list[UserInfo];  disable_user(name, actor=None);  enable_user(name, actor=None)
    reset_password(name, actor=None) -> str   # a one-time password, to be changed at the next sign-in
    change_password(name, old, new, keep_session=None);  password_for(name, password, actor=None)
    can(user, permission) -> bool        # "upload", "dashboard", "events", "admin", "all_districts"
    # the signed-in tab over any MutableMapping (pass st.session_state); the session itself is in
    # the database (core.db.sessions), found again after a reload by the cookie's token:
    session_login(state, user, ip=None) -> one-time code for /_auth/session (core.web_auth);
    session_user(state, token=None, now=None) -> User | None  (None once ended);
    session_logout(state, ip=None)

``core.db.uploads``::

    store_upload(result: RosterResult, user: User, filename: str, content: bytes) -> UploadSummary
        # same content twice: nothing changes (summary.duplicate is True, summary.upload_id the old one);
        # district officer: rows of other districts become error rows; one-time items already paid in
        # an earlier (not withdrawn) upload are set to 0 with a warning. summary.result is the
        # adjusted RosterResult to show/download; summary.message is one Chinese sentence.
    load_rows(year=None, user=None, include_withdrawn=False) -> pd.DataFrame
        # evaluated rows visible to ``user`` (None = everything): RosterResult.frame columns without
        # the raw ``id_number``; plus ``id_number_masked``, ``person_key`` (keyed hash, use it as the
        # ID for counting), ``upload_id``, ``uploaded_at``, ``demo``.
    list_uploads(user=None) -> pd.DataFrame;  withdraw_upload(upload_id, user, reason) -> None

``core.db.targets``::

    get_targets(year, district=None) -> dict | None   # {"total","paired_four","other_central_western","sichuan_helped"}
    set_targets(year, values, user, district=None);  get_standards() -> dict  (engine ``standards``)

``core.db.events``: add_fair (with the fair's province) / set_fair_province / fairs_frame,
add_love_post / love_posts_frame, add_base / bases_frame (frames in the shape core.enterprise expects).

``core.db.counties``: add_county / remove_county (administrators, audited), all_counties(),
load_into_reference() and refresh() (hand the Sichuan helped counties administrators added to
core.reference, which the roster evaluation reads; the app refreshes on each page run, at most
every 30 s, and the command line before it evaluates a roster).

``core.db.people`` / ``core.db.people_list`` / ``core.db.activities`` (docs/YEAR_ROUND.md): a person's
record and follow-up entries, a district's people with filters, the 工作台帐; corrections are new
entries, every entry audited; ``services_given(start, end, district=None) -> {service code: count}``.

``core.db.cli``: ``register(subparsers)`` (``db upgrade``, ``users add|list|disable``, ``import``,
``demo``, ``counties list|add|remove``) and ``progress_from_db(year, user=None) -> dict`` (the ``progress --format json`` object).
"""
