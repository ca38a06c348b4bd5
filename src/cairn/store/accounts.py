"""The team server's accounts in a SQL store (migrations 0009, 0011 and 0014): users, their
API keys, passwords and login sessions; teams and their members; each project's visibility,
owner and members; which projects refer to each blob; and recent failed sign-in checks.

**API keys** read ``cairn_<prefix>_<secret>``: the prefix (8 hex digits) is not secret, it
names the key in listings and logs and finds its row with one indexed lookup; the secret is
32 random bytes (64 hex digits). The store keeps only an scrypt hash of the secret (with a
per-key salt), so checking a key costs one scrypt. A 256-bit random secret cannot be guessed
even against a fast hash, but a slow one costs nothing that matters here: the server keeps a
checked key's answer for a few seconds (``server/auth.py``), so a busy client pays one
scrypt per key every few seconds, and a stolen database is no faster to attack than the
keys themselves. Keys made before migration 0011 were kept as SHA-256 (``scheme``
'sha256'): they keep working, and each is rehashed with scrypt the first time it is used.
Keys are revocable (``revoked_at``) and record when they were last used (``last_used_at``,
written at most once a minute per key).

**Passwords** (for people logging into the web app) are scrypt too, in the text form
``scrypt$n$r$p$salt$hash``. **Login sessions** are random 256-bit tokens of which the store
keeps the SHA-256, with a CSRF token the web app sends back on every mutating request.

**Entities**: a user's own entity is their name; a team is an entity of its own. The two
share one namespace (a team cannot take a user's name, nor the other way round).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cairn.errors import NotFoundError, StoreError
from cairn.store.apply import Cursor

KEY_PREFIX = "cairn_"
_KEY = re.compile(r"^cairn_([0-9a-f]{8})_([0-9a-f]{64})$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
LAST_USED_RESOLUTION = 60.0
"""Seconds: ``last_used_at`` is rewritten only when it is older than this."""
ROLES = ("viewer", "member", "admin")
"""Roles in a team or a project, weakest first."""
VISIBILITIES = ("private", "team", "public")
SESSION_SECONDS = 14 * 24 * 3600.0
"""How long a login session lasts."""
MIN_PASSWORD = 8

SCRYPT_N, SCRYPT_R, SCRYPT_P = 1 << 14, 8, 1
"""scrypt's cost: 16 MiB of memory and some 50 ms of CPU a hash."""
KEY_SCHEME = f"scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}"
_SALT = 16
_DIGEST = 32


@dataclass(frozen=True)
class User:
    id: int
    name: str
    admin: bool
    created_at: float
    disabled_at: float | None = None


@dataclass(frozen=True)
class ApiKeyInfo:
    prefix: str
    user: str
    created_at: float
    last_used_at: float | None
    revoked_at: float | None
    label: str = ""


@dataclass(frozen=True)
class KeyOwner:
    """Who a valid key belongs to."""

    user: User
    key_prefix: str
    last_used_at: float | None
    rehash: bool = False
    """The key is still kept as SHA-256: rehash it with scrypt (``Accounts.authenticate``)."""


@dataclass(frozen=True)
class LoginSession:
    user: User
    session_id: int
    csrf: str
    expires_at: float


@dataclass(frozen=True)
class ProjectSettings:
    entity: str
    name: str
    visibility: str
    owner: str | None
    members: dict[str, str]
    """User name -> project role."""


@dataclass(frozen=True)
class Grants:
    """What one user holds: their role in each team (by team name) and in each project
    they were added to (by ``(entity, project)``)."""

    user: User
    teams: dict[str, str]
    projects: dict[tuple[str, str], str]


# ---- hashing ---------------------------------------------------------------------------
def _scrypt(secret: str, salt: bytes, n: int = SCRYPT_N, r: int = SCRYPT_R,
            p: int = SCRYPT_P) -> bytes:
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=n * r * 256, dklen=_DIGEST)


def hash_secret(secret: str) -> bytes:
    """A key's secret as stored: salt then scrypt digest."""
    salt = secrets.token_bytes(_SALT)
    return salt + _scrypt(secret, salt)


def check_secret(scheme: str, stored: bytes, secret: str) -> bool:
    if scheme == "sha256":  # made before migration 0011
        return hmac.compare_digest(stored, hashlib.sha256(secret.encode("ascii")).digest())
    kind, n, r, p = scheme.split(":")
    if kind != "scrypt":
        return False
    salt, digest = stored[:_SALT], stored[_SALT:]
    return hmac.compare_digest(digest, _scrypt(secret, salt, int(n), int(r), int(p)))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(_SALT)
    digest = _scrypt(password, salt)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_password_hash(stored: str | None, password: str) -> bool:
    if not stored:
        _scrypt(password, b"\0" * _SALT)  # the same time as a real check
        return False
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        found = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(found, bytes.fromhex(digest))


def parse_key(key: str) -> tuple[str, str] | None:
    """``(prefix, secret)`` of a well-formed key, else None."""
    match = _KEY.match(key.strip())
    return (match.group(1), match.group(2)) if match else None


def new_key() -> tuple[str, str, bytes]:
    """``(key, prefix, secret_hash)`` of a fresh key."""
    prefix, secret = secrets.token_hex(4), secrets.token_hex(32)
    return f"{KEY_PREFIX}{prefix}_{secret}", prefix, hash_secret(secret)


def check_name(name: str, what: str = "user") -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"bad {what} name {name!r}: use 1-64 letters, digits, '_', '.' or "
                         "'-', starting with a letter or digit")
    return name


check_user_name = check_name


def check_role(role: object) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
    return str(role)


def check_visibility(visibility: object) -> str:
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}; got "
                         f"{visibility!r}")
    return str(visibility)


def check_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise ValueError("a password may have at most 1024 characters")
    return password


# ---- users and keys ----------------------------------------------------------------------
def _user(row: Any) -> User:
    pk, name, admin, created, disabled = row
    return User(int(pk), str(name), bool(admin), float(created),
                None if disabled is None else float(disabled))


_USER_COLUMNS = "id, name, admin, created_at, disabled_at"
_U_COLUMNS = ", ".join("u." + c.strip() for c in _USER_COLUMNS.split(","))


def _name_taken(conn: Cursor, name: str) -> str | None:
    if conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
        return "user"
    if conn.execute("SELECT 1 FROM teams WHERE name = ?", (name,)).fetchone():
        return "team"
    return None


def create_user(conn: Cursor, name: str, admin: bool,
                password: str | None = None) -> tuple[User, str]:
    """A new user and their first API key (the only time the key is seen)."""
    check_name(name)
    taken = _name_taken(conn, name)
    if taken == "user":
        raise ValueError(f"user {name!r} exists already (add a key with create-key)")
    if taken == "team":
        raise ValueError(f"{name!r} is a team's name; users and teams share one namespace")
    now = time.time()
    hashed = hash_password(check_password(password)) if password is not None else None
    row = conn.execute(f"INSERT INTO users (name, admin, created_at, password_hash) "
                       f"VALUES (?, ?, ?, ?) RETURNING {_USER_COLUMNS}",
                       (name, admin, now, hashed)).fetchone()
    user = _user(row)
    return user, _insert_key(conn, user.id, now)


def get_user(conn: Cursor, name: str) -> User:
    row = conn.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise NotFoundError(f"no user {name!r}")
    return _user(row)


def create_key(conn: Cursor, name: str, label: str = "") -> str:
    return _insert_key(conn, get_user(conn, name).id, time.time(), label)


def _insert_key(conn: Cursor, user_id: int, now: float, label: str = "") -> str:
    key, prefix, digest = new_key()
    conn.execute("INSERT INTO api_keys (user_id, prefix, secret_hash, created_at, scheme, "
                 "label) VALUES (?, ?, ?, ?, ?, ?)",
                 (user_id, prefix, digest, now, KEY_SCHEME, label[:200]))
    return key


def _key_info(row: Any) -> ApiKeyInfo:
    prefix, name, created, used, revoked, label = row
    return ApiKeyInfo(str(prefix), str(name), float(created),
                      None if used is None else float(used),
                      None if revoked is None else float(revoked), str(label or ""))


_KEY_COLUMNS = "k.prefix, u.name, k.created_at, k.last_used_at, k.revoked_at, k.label"


def list_keys(conn: Cursor, name: str | None = None) -> list[ApiKeyInfo]:
    where, params = ("WHERE u.name = ?", (name,)) if name is not None else ("", ())
    return [_key_info(r) for r in conn.execute(
        f"SELECT {_KEY_COLUMNS} FROM api_keys k JOIN users u ON u.id = k.user_id {where} "
        "ORDER BY k.created_at, k.id", params).fetchall()]


def list_users(conn: Cursor) -> list[tuple[User, list[ApiKeyInfo]]]:
    users = [_user(r) for r in conn.execute(
        f"SELECT {_USER_COLUMNS} FROM users ORDER BY name").fetchall()]
    keys: dict[str, list[ApiKeyInfo]] = {}
    for info in list_keys(conn):
        keys.setdefault(info.user, []).append(info)
    return [(u, keys.get(u.name, [])) for u in users]


def revoke_key(conn: Cursor, key_or_prefix: str, owner: str | None = None) -> ApiKeyInfo:
    """Revoke a key named by itself, its prefix, or ``cairn_<prefix>``; with ``owner``,
    only one of that user's keys (another user's answers like a key that does not exist)."""
    parsed = parse_key(key_or_prefix)
    prefix = parsed[0] if parsed else key_or_prefix.strip().removeprefix(KEY_PREFIX)
    row = conn.execute(f"SELECT k.id, {_KEY_COLUMNS} FROM api_keys k JOIN users u "
                       "ON u.id = k.user_id WHERE k.prefix = ?", (prefix,)).fetchone()
    if row is None or (owner is not None and row[2] != owner):
        raise NotFoundError(f"no API key with prefix {prefix!r} (`cairn server list-users` "
                            "shows them)")
    info = _key_info(row[1:])
    if info.revoked_at is None:
        revoked = time.time()
        conn.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ?", (revoked, row[0]))
        info = ApiKeyInfo(info.prefix, info.user, info.created_at, info.last_used_at, revoked,
                          info.label)
    return info


def authenticate(conn: Cursor, key: str) -> KeyOwner | None:
    """The owner of ``key`` if it is a valid, unrevoked key of an enabled user (one indexed
    lookup by the prefix, then one hash of the secret)."""
    parsed = parse_key(key)
    if parsed is None:
        return None
    prefix, secret = parsed
    row = conn.execute(
        f"SELECT k.secret_hash, k.scheme, k.revoked_at, k.last_used_at, {_U_COLUMNS} "
        "FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.prefix = ?",
        (prefix,)).fetchone()
    if row is None:
        return None
    stored, scheme, revoked, used = bytes(row[0]), str(row[1]), row[2], row[3]
    if not check_secret(scheme, stored, secret) or revoked is not None:
        return None
    user = _user(row[4:])
    if user.disabled_at is not None:
        return None
    return KeyOwner(user, prefix, None if used is None else float(used),
                    rehash=scheme != KEY_SCHEME)


def key_alive(conn: Cursor, prefix: str) -> bool:
    """Whether the key of ``prefix`` (checked already) is still unrevoked and its user
    enabled: no hash, one indexed lookup."""
    return conn.execute("SELECT 1 FROM api_keys k JOIN users u ON u.id = k.user_id "
                        "WHERE k.prefix = ? AND k.revoked_at IS NULL AND u.disabled_at IS NULL",
                        (prefix,)).fetchone() is not None


def rehash_key(conn: Cursor, key: str) -> None:
    """Keep ``key`` (checked already) as scrypt."""
    parsed = parse_key(key)
    if parsed is not None:
        conn.execute("UPDATE api_keys SET secret_hash = ?, scheme = ? WHERE prefix = ?",
                     (hash_secret(parsed[1]), KEY_SCHEME, parsed[0]))


def touch_key(conn: Cursor, prefix: str, at: float) -> None:
    conn.execute("UPDATE api_keys SET last_used_at = ? WHERE prefix = ? AND "
                 "(last_used_at IS NULL OR last_used_at < ?)",
                 (at, prefix, at - LAST_USED_RESOLUTION))


# ---- passwords and login sessions ----------------------------------------------------------
def set_password(conn: Cursor, name: str, password: str) -> None:
    """Set a user's password; their login sessions end."""
    user = get_user(conn, name)
    conn.execute("UPDATE users SET password_hash = ? WHERE id = ?",
                 (hash_password(check_password(password)), user.id))
    conn.execute("DELETE FROM login_sessions WHERE user_id = ?", (user.id,))


def check_login(conn: Cursor, name: str, password: str) -> User | None:
    """The user if ``password`` is theirs (and they are enabled); one scrypt either way."""
    row = conn.execute(f"SELECT {_USER_COLUMNS}, password_hash FROM users WHERE name = ?",
                       (name,)).fetchone()
    stored = None if row is None else row[5]
    if not check_password_hash(stored, password) or row is None:
        return None
    user = _user(row[:5])
    return None if user.disabled_at is not None else user


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "replace")).digest()


def create_session(conn: Cursor, user: User, seconds: float = SESSION_SECONDS
                   ) -> tuple[str, LoginSession]:
    """A new login session: the cookie's token (seen only now) and the session."""
    now = time.time()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    conn.execute("DELETE FROM login_sessions WHERE expires_at < ?", (now,))
    row = conn.execute("INSERT INTO login_sessions (token_hash, user_id, csrf, created_at, "
                       "expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                       (_token_hash(token), user.id, csrf, now, now + seconds)).fetchone()
    return token, LoginSession(user, int(row[0]), csrf, now + seconds)


def find_session(conn: Cursor, token: str) -> LoginSession | None:
    row = conn.execute(f"SELECT s.id, s.csrf, s.expires_at, {_U_COLUMNS} FROM login_sessions s "
                       "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
                       (_token_hash(token),)).fetchone()
    if row is None or float(row[2]) < time.time():
        return None
    user = _user(row[3:])
    if user.disabled_at is not None:
        return None
    return LoginSession(user, int(row[0]), str(row[1]), float(row[2]))


def session_alive(conn: Cursor, session_id: int) -> bool:
    """Whether a login session still lasts (not ended, not expired, its user enabled)."""
    return conn.execute("SELECT 1 FROM login_sessions s JOIN users u ON u.id = s.user_id "
                        "WHERE s.id = ? AND s.expires_at >= ? AND u.disabled_at IS NULL",
                        (session_id, time.time())).fetchone() is not None


def end_session(conn: Cursor, session_id: int) -> None:
    conn.execute("DELETE FROM login_sessions WHERE id = ?", (session_id,))


# ---- failed checks ---------------------------------------------------------------------------
def _failure_subject(what: str) -> tuple[str, str]:
    """The row a failure is about: ``login:NAME`` a user's password, else a key's prefix."""
    if what.startswith("login:"):
        return "SELECT 1 FROM users WHERE name = ?", what[len("login:"):]
    return "SELECT 1 FROM api_keys WHERE prefix = ?", what


def note_failure(conn: Cursor, what: str, at: float, window: float) -> None:
    """Note a failed check of ``what`` (``login:NAME`` for a wrong password, or a key
    prefix for a wrong secret), if that user or key exists: a failure costs a scrypt only
    then, and names that exist nowhere must not fill the table. Failures older than
    ``window`` seconds go."""
    exists, subject = _failure_subject(what)
    conn.execute("DELETE FROM auth_failures WHERE at < ?", (at - window,))
    conn.execute(f"INSERT INTO auth_failures (what, at) SELECT ?, ? WHERE EXISTS ({exists})",
                 (what, at, subject))


def recent_failures(conn: Cursor, what: str, since: float) -> int:
    row = conn.execute("SELECT count(*) FROM auth_failures WHERE what = ? AND at > ?",
                       (what, since)).fetchone()
    return int(row[0])


# ---- teams -----------------------------------------------------------------------------------
def create_team(conn: Cursor, name: str, admin: str | None = None) -> None:
    """A new team; ``admin`` (a user name) becomes its first admin."""
    check_name(name, "team")
    taken = _name_taken(conn, name)
    if taken is not None:
        raise ValueError(f"{name!r} is taken already (by a {taken}); users and teams share "
                         "one namespace")
    row = conn.execute("INSERT INTO teams (name, created_at) VALUES (?, ?) RETURNING id",
                       (name, time.time())).fetchone()
    if admin is not None:
        user = get_user(conn, admin)
        conn.execute("INSERT INTO team_members (team_id, user_id, role) VALUES (?, ?, ?)",
                     (int(row[0]), user.id, "admin"))


def _team_id(conn: Cursor, name: str) -> int:
    row = conn.execute("SELECT id FROM teams WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise NotFoundError(f"no team {name!r}")
    return int(row[0])


def is_team(conn: Cursor, name: str) -> bool:
    return conn.execute("SELECT 1 FROM teams WHERE name = ?", (name,)).fetchone() is not None


def set_team_member(conn: Cursor, team: str, user: str, role: str | None) -> None:
    """Add a member, change their role, or (``role`` None) remove them."""
    team_id = _team_id(conn, team)
    user_id = get_user(conn, user).id
    conn.execute("DELETE FROM team_members WHERE team_id = ? AND user_id = ?",
                 (team_id, user_id))
    if role is not None:
        conn.execute("INSERT INTO team_members (team_id, user_id, role) VALUES (?, ?, ?)",
                     (team_id, user_id, check_role(role)))


def team_members(conn: Cursor, team: str) -> dict[str, str]:
    team_id = _team_id(conn, team)
    return {str(n): str(r) for n, r in conn.execute(
        "SELECT u.name, m.role FROM team_members m JOIN users u ON u.id = m.user_id "
        "WHERE m.team_id = ? ORDER BY u.name", (team_id,)).fetchall()}


def list_teams(conn: Cursor) -> list[str]:
    return [str(r[0]) for r in conn.execute("SELECT name FROM teams ORDER BY name").fetchall()]


# ---- projects ----------------------------------------------------------------------------------
def default_visibility(conn: Cursor, entity: str) -> str:
    """A team's projects are seen by the team; a user's own are private."""
    return "team" if is_team(conn, entity) else "private"


def claim_project(conn: Cursor, entity: str, name: str, owner: User) -> None:
    """Record who made a project (its first accepted batch), unless it has settings."""
    conn.execute("INSERT INTO project_access (entity, name, visibility, owner_id, created_at) "
                 "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                 (entity, name, default_visibility(conn, entity), owner.id, time.time()))


def project_access(conn: Cursor, entity: str, name: str) -> tuple[str, int | None] | None:
    """``(visibility, owner id)`` of a project that has settings."""
    row = conn.execute("SELECT visibility, owner_id FROM project_access WHERE entity = ? AND "
                       "name = ?", (entity, name)).fetchone()
    return None if row is None else (str(row[0]), None if row[1] is None else int(row[1]))


def project_visibilities(conn: Cursor) -> dict[tuple[str, str], tuple[str, int | None]]:
    return {(str(e), str(n)): (str(v), None if o is None else int(o)) for e, n, v, o in
            conn.execute("SELECT entity, name, visibility, owner_id FROM project_access"
                         ).fetchall()}


def set_visibility(conn: Cursor, entity: str, name: str, visibility: str) -> None:
    check_visibility(visibility)
    conn.execute("INSERT INTO project_access (entity, name, visibility, owner_id, created_at) "
                 "VALUES (?, ?, ?, NULL, ?) ON CONFLICT (entity, name) DO UPDATE SET "
                 "visibility = excluded.visibility", (entity, name, visibility, time.time()))


def set_project_member(conn: Cursor, entity: str, name: str, user: str,
                       role: str | None) -> None:
    user_id = get_user(conn, user).id
    conn.execute("DELETE FROM project_members WHERE entity = ? AND name = ? AND user_id = ?",
                 (entity, name, user_id))
    if role is not None:
        conn.execute("INSERT INTO project_members (entity, name, user_id, role) "
                     "VALUES (?, ?, ?, ?)", (entity, name, user_id, check_role(role)))


def project_settings(conn: Cursor, entity: str, name: str) -> ProjectSettings:
    access = project_access(conn, entity, name)
    visibility, owner_id = access or (default_visibility(conn, entity), None)
    owner = None
    if owner_id is not None:
        row = conn.execute("SELECT name FROM users WHERE id = ?", (owner_id,)).fetchone()
        owner = None if row is None else str(row[0])
    members = {str(n): str(r) for n, r in conn.execute(
        "SELECT u.name, m.role FROM project_members m JOIN users u ON u.id = m.user_id "
        "WHERE m.entity = ? AND m.name = ? ORDER BY u.name", (entity, name)).fetchall()}
    return ProjectSettings(entity, name, visibility, owner, members)


def grants(conn: Cursor, user: User) -> Grants:
    teams = {str(n): str(r) for n, r in conn.execute(
        "SELECT t.name, m.role FROM team_members m JOIN teams t ON t.id = m.team_id "
        "WHERE m.user_id = ?", (user.id,)).fetchall()}
    projects = {(str(e), str(n)): str(r) for e, n, r in conn.execute(
        "SELECT entity, name, role FROM project_members WHERE user_id = ?",
        (user.id,)).fetchall()}
    return Grants(user, teams, projects)


_OWNERS = {
    "run": "SELECT t.id, p.entity, p.name FROM runs t JOIN projects p ON p.id = t.project_id",
    "sweep": "SELECT t.id, p.entity, p.name FROM sweeps t JOIN projects p "
             "ON p.id = t.project_id",
    "version": "SELECT t.id, p.entity, p.name FROM artifact_versions t JOIN "
               "artifact_collections c ON c.id = t.collection_id JOIN projects p "
               "ON p.id = c.project_id",
}


def projects_of(conn: Cursor, kind: str, pks: list[int]) -> dict[int, tuple[str, str]]:
    """The project of each run, sweep or artifact version by primary key (missing ones
    left out)."""
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(pks), 500):
        part = pks[start:start + 500]
        marks = ", ".join("?" for _ in part)
        for pk, entity, name in conn.execute(f"{_OWNERS[kind]} WHERE t.id IN ({marks})",
                                             part).fetchall():
            found[int(pk)] = (str(entity), str(name))
    return found


# ---- blobs ---------------------------------------------------------------------------------------
def blob_projects(conn: Cursor, digest: str) -> list[tuple[str, str]]:
    """The projects whose runs or artifacts refer to a blob."""
    return [(str(e), str(n)) for e, n in conn.execute(
        "SELECT p.entity, p.name FROM project_blobs b JOIN projects p ON p.id = b.project_id "
        "WHERE b.digest = ?", (digest,)).fetchall()]


def note_upload(conn: Cursor, digest: str, user: User) -> None:
    conn.execute("INSERT INTO blob_uploaders (digest, user_id) VALUES (?, ?) "
                 "ON CONFLICT DO NOTHING", (digest, user.id))


def uploaded_by(conn: Cursor, digest: str, user: User) -> bool:
    return conn.execute("SELECT 1 FROM blob_uploaders WHERE digest = ? AND user_id = ?",
                        (digest, user.id)).fetchone() is not None


def _history_digests(conn: Cursor) -> Iterator[tuple[str, int]]:
    import msgpack

    from cairn.store.gc import _digests_in

    for project_id, value in conn.execute(
            "SELECT r.project_id, h.value FROM history_objects h JOIN runs r ON r.id = h.run "
            "WHERE h.value IS NOT NULL").fetchall():
        try:
            decoded = msgpack.unpackb(value, raw=False, strict_map_key=False)
        except (ValueError, msgpack.ExtraData):
            continue
        for digest in _digests_in(decoded):
            yield digest, int(project_id)


def backfill_project_blobs(conn: Cursor) -> int:
    """Add the media blobs stored before migration 0011 to ``project_blobs`` (files and
    artifacts the migration added itself); how many references were new."""
    added = 0
    for digest, project_id in set(_history_digests(conn)):
        cur = conn.execute("INSERT INTO project_blobs (digest, project_id) VALUES (?, ?) "
                           "ON CONFLICT DO NOTHING", (digest, project_id))
        added += max(int(cur.rowcount or 0), 0)
    return added


class Accounts:
    """The account operations over a SQL store (SQLite or PostgreSQL), each in one
    transaction."""

    def __init__(self, store: Any) -> None:
        if not (hasattr(store, "_write") and hasattr(store, "_call")):
            raise StoreError(f"{type(store).__name__} keeps no accounts: the team server "
                             "needs a SQL store (a folder, sqlite:/// or postgresql://)")
        self._store = store

    def _in_write(self, fn: Any, *args: Any) -> Any:
        with self._store._write() as conn:
            return fn(conn, *args)

    def create_user(self, name: str, admin: bool = False,
                    password: str | None = None) -> tuple[User, str]:
        result: tuple[User, str] = self._in_write(create_user, name, admin, password)
        return result

    def create_key(self, name: str, label: str = "") -> str:
        key: str = self._in_write(create_key, name, label)
        return key

    def get_user(self, name: str) -> User:
        user: User = self._store._call(get_user, name)
        return user

    def list_users(self) -> list[tuple[User, list[ApiKeyInfo]]]:
        result: list[tuple[User, list[ApiKeyInfo]]] = self._store._call(list_users)
        return result

    def list_keys(self, name: str) -> list[ApiKeyInfo]:
        result: list[ApiKeyInfo] = self._store._call(list_keys, name)
        return result

    def revoke_key(self, key_or_prefix: str, owner: str | None = None) -> ApiKeyInfo:
        info: ApiKeyInfo = self._in_write(revoke_key, key_or_prefix, owner)
        return info

    def authenticate(self, key: str) -> KeyOwner | None:
        found: KeyOwner | None = self._store._call(authenticate, key)
        if found is not None and found.rehash:
            self._in_write(rehash_key, key)
        return found

    def key_alive(self, prefix: str) -> bool:
        found: bool = self._store._call(key_alive, prefix)
        return found

    def session_alive(self, session_id: int) -> bool:
        found: bool = self._store._call(session_alive, session_id)
        return found

    def touch(self, prefix: str, at: float) -> None:
        self._in_write(touch_key, prefix, at)

    def user_count(self) -> int:
        rows = self._store._read("SELECT count(*) FROM users")
        return int(rows[0][0])

    def set_password(self, name: str, password: str) -> None:
        self._in_write(set_password, name, password)

    def has_password(self, name: str) -> bool:
        rows = self._store._read("SELECT password_hash FROM users WHERE name = ?", (name,))
        if not rows:
            raise NotFoundError(f"no user {name!r}")
        return bool(rows[0][0])

    def check_login(self, name: str, password: str) -> User | None:
        found: User | None = self._store._call(check_login, name, password)
        return found

    def create_session(self, user: User) -> tuple[str, LoginSession]:
        result: tuple[str, LoginSession] = self._in_write(create_session, user)
        return result

    def find_session(self, token: str) -> LoginSession | None:
        found: LoginSession | None = self._store._call(find_session, token)
        return found

    def end_session(self, session_id: int) -> None:
        self._in_write(end_session, session_id)

    def note_failure(self, what: str, at: float, window: float) -> None:
        self._in_write(note_failure, what, at, window)

    def recent_failures(self, what: str, since: float) -> int:
        found: int = self._store._call(recent_failures, what, since)
        return found

    def create_team(self, name: str, admin: str | None = None) -> None:
        self._in_write(create_team, name, admin)

    def set_team_member(self, team: str, user: str, role: str | None) -> None:
        self._in_write(set_team_member, team, user, role)

    def team_members(self, team: str) -> dict[str, str]:
        found: dict[str, str] = self._store._call(team_members, team)
        return found

    def list_teams(self) -> list[str]:
        found: list[str] = self._store._call(list_teams)
        return found

    def is_team(self, name: str) -> bool:
        found: bool = self._store._call(is_team, name)
        return found

    def claim_project(self, entity: str, name: str, owner: User) -> None:
        self._in_write(claim_project, entity, name, owner)

    def project_access(self, entity: str, name: str) -> tuple[str, int | None] | None:
        found: tuple[str, int | None] | None = self._store._call(project_access, entity, name)
        return found

    def project_visibilities(self) -> dict[tuple[str, str], tuple[str, int | None]]:
        found: dict[tuple[str, str], tuple[str, int | None]] = self._store._call(
            project_visibilities)
        return found

    def set_visibility(self, entity: str, name: str, visibility: str) -> None:
        self._in_write(set_visibility, entity, name, visibility)

    def set_project_member(self, entity: str, name: str, user: str, role: str | None) -> None:
        self._in_write(set_project_member, entity, name, user, role)

    def project_settings(self, entity: str, name: str) -> ProjectSettings:
        found: ProjectSettings = self._store._call(project_settings, entity, name)
        return found

    def grants(self, user: User) -> Grants:
        found: Grants = self._store._call(grants, user)
        return found

    def project_exists(self, entity: str, name: str) -> bool:
        return bool(self._store._read("SELECT 1 FROM projects WHERE entity = ? AND name = ?",
                                      (entity, name)))

    def projects_of(self, kind: str, pks: list[int]) -> dict[int, tuple[str, str]]:
        found: dict[int, tuple[str, str]] = self._store._call(projects_of, kind, pks)
        return found

    def blob_projects(self, digest: str) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = self._store._call(blob_projects, digest)
        return found

    def note_upload(self, digest: str, user: User) -> None:
        self._in_write(note_upload, digest, user)

    def uploaded_by(self, digest: str, user: User) -> bool:
        found: bool = self._store._call(uploaded_by, digest, user)
        return found

    def backfill_project_blobs(self) -> int:
        added: int = self._in_write(backfill_project_blobs)
        return added
