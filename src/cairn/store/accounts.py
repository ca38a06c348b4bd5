"""The team server's accounts in a SQL store: users and their API keys (migration 0009).

A key reads ``cairn_<prefix>_<secret>``: the prefix (8 hex digits) names the key in
listings and logs and finds its row; the secret is 32 random bytes (64 hex digits) of which
the store keeps only the SHA-256.

Why SHA-256 and not a slow hash (scrypt, argon2): a slow hash protects *guessable* secrets
(passwords) against a stolen database, by making each guess expensive. A 256-bit random
secret cannot be guessed: even at 10^12 SHA-256 a second, finding one takes ~10^57 years,
so a slow hash adds nothing but cost, and that cost would be paid on every request (scrypt
at an interactive setting takes ~50 ms of CPU, which would cap one server worker at ~20
authenticated requests a second). This is how GitHub and PyPI store their tokens. The hash
is compared in constant time, and the row is found by the prefix, so a timing difference
tells nothing about the secret. Passwords (UI logins, a later step) get scrypt.

Keys are revocable (``revoked_at``) and record when they were last used (``last_used_at``,
written at most once a minute per key, so that a busy client does not turn every request
into a write).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from cairn.errors import NotFoundError, StoreError
from cairn.store.apply import Cursor

KEY_PREFIX = "cairn_"
_KEY = re.compile(r"^cairn_([0-9a-f]{8})_([0-9a-f]{64})$")
_USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
LAST_USED_RESOLUTION = 60.0
"""Seconds: ``last_used_at`` is rewritten only when it is older than this."""


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


@dataclass(frozen=True)
class KeyOwner:
    """Who a valid key belongs to."""

    user: User
    key_prefix: str
    last_used_at: float | None


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("ascii")).digest()


def parse_key(key: str) -> tuple[str, str] | None:
    """``(prefix, secret)`` of a well-formed key, else None."""
    match = _KEY.match(key.strip())
    return (match.group(1), match.group(2)) if match else None


def new_key() -> tuple[str, str, bytes]:
    """``(key, prefix, secret_hash)`` of a fresh key."""
    prefix, secret = secrets.token_hex(4), secrets.token_hex(32)
    return f"{KEY_PREFIX}{prefix}_{secret}", prefix, hash_secret(secret)


def check_user_name(name: str) -> str:
    if not _USER_NAME.match(name):
        raise ValueError(f"bad user name {name!r}: use 1-64 letters, digits, '_', '.' or "
                         "'-', starting with a letter or digit")
    return name


def _user(row: Any) -> User:
    pk, name, admin, created, disabled = row
    return User(int(pk), str(name), bool(admin), float(created),
                None if disabled is None else float(disabled))


_USER_COLUMNS = "id, name, admin, created_at, disabled_at"


def create_user(conn: Cursor, name: str, admin: bool) -> tuple[User, str]:
    """A new user and their first API key (the only time the key is seen)."""
    check_user_name(name)
    if conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
        raise ValueError(f"user {name!r} exists already (add a key with create-key)")
    now = time.time()
    row = conn.execute(f"INSERT INTO users (name, admin, created_at) VALUES (?, ?, ?) "
                       f"RETURNING {_USER_COLUMNS}", (name, admin, now)).fetchone()
    user = _user(row)
    return user, _insert_key(conn, user.id, now)


def create_key(conn: Cursor, name: str) -> str:
    row = conn.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise NotFoundError(f"no user {name!r}")
    return _insert_key(conn, int(row[0]), time.time())


def _insert_key(conn: Cursor, user_id: int, now: float) -> str:
    key, prefix, digest = new_key()
    conn.execute("INSERT INTO api_keys (user_id, prefix, secret_hash, created_at) "
                 "VALUES (?, ?, ?, ?)", (user_id, prefix, digest, now))
    return key


def list_users(conn: Cursor) -> list[tuple[User, list[ApiKeyInfo]]]:
    users = [_user(r) for r in conn.execute(
        f"SELECT {_USER_COLUMNS} FROM users ORDER BY name").fetchall()]
    keys: dict[int, list[ApiKeyInfo]] = {}
    for user_id, prefix, name, created, used, revoked in conn.execute(
            "SELECT k.user_id, k.prefix, u.name, k.created_at, k.last_used_at, k.revoked_at "
            "FROM api_keys k JOIN users u ON u.id = k.user_id ORDER BY k.created_at").fetchall():
        keys.setdefault(int(user_id), []).append(ApiKeyInfo(
            str(prefix), str(name), float(created), None if used is None else float(used),
            None if revoked is None else float(revoked)))
    return [(u, keys.get(u.id, [])) for u in users]


def revoke_key(conn: Cursor, key_or_prefix: str) -> ApiKeyInfo:
    """Revoke a key named by itself, its prefix, or ``cairn_<prefix>``."""
    parsed = parse_key(key_or_prefix)
    prefix = parsed[0] if parsed else key_or_prefix.strip().removeprefix(KEY_PREFIX)
    row = conn.execute("SELECT k.id, u.name, k.created_at, k.last_used_at, k.revoked_at "
                       "FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.prefix = ?",
                       (prefix,)).fetchone()
    if row is None:
        raise NotFoundError(f"no API key with prefix {prefix!r} (`cairn server list-users` "
                            "shows them)")
    pk, user, created, used, revoked = row
    if revoked is None:
        revoked = time.time()
        conn.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ?", (revoked, pk))
    return ApiKeyInfo(prefix, str(user), float(created),
                      None if used is None else float(used), float(revoked))


def authenticate(conn: Cursor, key: str) -> KeyOwner | None:
    """The owner of ``key`` if it is a valid, unrevoked key of an enabled user."""
    parsed = parse_key(key)
    if parsed is None:
        return None
    prefix, secret = parsed
    row = conn.execute(
        f"SELECT k.secret_hash, k.revoked_at, k.last_used_at, "
        f"{', '.join('u.' + c.strip() for c in _USER_COLUMNS.split(','))} "
        "FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.prefix = ?",
        (prefix,)).fetchone()
    if row is None:
        return None
    stored, revoked, used = bytes(row[0]), row[1], row[2]
    if not hmac.compare_digest(stored, hash_secret(secret)) or revoked is not None:
        return None
    user = _user(row[3:])
    if user.disabled_at is not None:
        return None
    return KeyOwner(user, prefix, None if used is None else float(used))


def touch_key(conn: Cursor, prefix: str, at: float) -> None:
    conn.execute("UPDATE api_keys SET last_used_at = ? WHERE prefix = ? AND "
                 "(last_used_at IS NULL OR last_used_at < ?)",
                 (at, prefix, at - LAST_USED_RESOLUTION))


class Accounts:
    """The account operations over a SQL store (SQLite or PostgreSQL), each in one
    transaction."""

    def __init__(self, store: Any) -> None:
        if not (hasattr(store, "_write") and hasattr(store, "_call")):
            raise StoreError(f"{type(store).__name__} keeps no accounts: the team server "
                             "needs a SQL store (a folder, sqlite:/// or postgresql://)")
        self._store = store

    def create_user(self, name: str, admin: bool = False) -> tuple[User, str]:
        with self._store._write() as conn:
            return create_user(conn, name, admin)

    def create_key(self, name: str) -> str:
        with self._store._write() as conn:
            return create_key(conn, name)

    def list_users(self) -> list[tuple[User, list[ApiKeyInfo]]]:
        result: list[tuple[User, list[ApiKeyInfo]]] = self._store._call(list_users)
        return result

    def revoke_key(self, key_or_prefix: str) -> ApiKeyInfo:
        with self._store._write() as conn:
            return revoke_key(conn, key_or_prefix)

    def authenticate(self, key: str) -> KeyOwner | None:
        found: KeyOwner | None = self._store._call(authenticate, key)
        return found

    def touch(self, prefix: str, at: float) -> None:
        with self._store._write() as conn:
            touch_key(conn, prefix, at)

    def user_count(self) -> int:
        rows = self._store._read("SELECT count(*) FROM users")
        return int(rows[0][0])
