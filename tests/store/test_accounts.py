"""Users, API keys, passwords, login sessions, teams and project settings (migrations 0009
and 0011), and failed sign-in checks (0014), on both SQL dialects."""

from __future__ import annotations

import hashlib

import pytest

from cairn.errors import NotFoundError
from cairn.store.accounts import (
    KEY_SCHEME,
    SCRYPT_N,
    SCRYPT_P,
    SCRYPT_R,
    Accounts,
    parse_key,
)
from cairn.store.base import MetadataStore


def test_keys_are_checked_revoked_and_stored_hashed(store: MetadataStore) -> None:
    accounts = Accounts(store)
    ada, key = accounts.create_user("ada", admin=True)
    bob, bob_key = accounts.create_user("bob")
    assert ada.admin
    assert not bob.admin
    owner = accounts.authenticate(key)
    assert owner is not None
    assert owner.user == ada
    assert owner.last_used_at is None
    found = accounts.authenticate(bob_key)
    assert found is not None
    assert found.user.name == "bob"
    parsed = parse_key(key)
    assert parsed is not None
    prefix, secret = parsed
    assert accounts.authenticate(f"cairn_{prefix}_{'0' * 64}") is None
    assert accounts.authenticate("not a key") is None
    # Only a salted scrypt hash of the secret is kept.
    rows = store._read("SELECT prefix, secret_hash, scheme FROM api_keys")  # type: ignore[attr-defined]
    stored = {str(p): (bytes(h), str(s)) for p, h, s in rows}[prefix]
    assert stored[1] == KEY_SCHEME
    assert stored[0][16:] == hashlib.scrypt(secret.encode(), salt=stored[0][:16], n=SCRYPT_N,
                                            r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    assert all(secret.encode() not in bytes(h) for _, h, _ in rows)
    accounts.touch(prefix, 1000.0)
    accounts.touch(prefix, 1030.0)  # within a minute of the last: not rewritten
    listed = dict(accounts.list_users())
    assert [k.last_used_at for k in listed[ada]] == [1000.0]
    second = accounts.create_key("ada")
    revoked = accounts.revoke_key(prefix)
    assert revoked.revoked_at is not None
    assert accounts.authenticate(key) is None
    assert accounts.authenticate(second) is not None
    assert accounts.revoke_key(key).revoked_at == revoked.revoked_at  # once
    with pytest.raises(ValueError, match="exists already"):
        accounts.create_user("ada")
    assert accounts.user_count() == 2


def test_a_key_kept_as_sha256_still_works_and_is_rehashed(store: MetadataStore) -> None:
    """Keys made before migration 0011 were kept as SHA-256 of the secret."""
    accounts = Accounts(store)
    _, key = accounts.create_user("old")
    parsed = parse_key(key)
    assert parsed is not None
    prefix, secret = parsed
    with store._write() as conn:  # type: ignore[attr-defined]
        conn.execute("UPDATE api_keys SET secret_hash = ?, scheme = 'sha256' WHERE prefix = ?",
                     (hashlib.sha256(secret.encode()).digest(), prefix))
    owner = accounts.authenticate(key)
    assert owner is not None
    assert owner.user.name == "old"
    rows = store._read("SELECT scheme FROM api_keys WHERE prefix = ?",  # type: ignore[attr-defined]
                       (prefix,))
    assert rows[0][0] == KEY_SCHEME
    assert accounts.authenticate(key) is not None
    assert accounts.authenticate(f"cairn_{prefix}_{'1' * 64}") is None


def test_passwords_and_login_sessions(store: MetadataStore) -> None:
    accounts = Accounts(store)
    ada, _ = accounts.create_user("ada", password="correct horse")
    assert accounts.check_login("ada", "correct horse") == ada
    assert accounts.check_login("ada", "wrong horse!") is None
    assert accounts.check_login("nobody", "correct horse") is None
    with pytest.raises(ValueError, match="at least 8"):
        accounts.set_password("ada", "short")
    token, session = accounts.create_session(ada)
    found = accounts.find_session(token)
    assert found is not None
    assert found.user == ada
    assert found.csrf == session.csrf
    assert accounts.find_session(token + "x") is None
    rows = store._read("SELECT token_hash FROM login_sessions")  # type: ignore[attr-defined]
    assert all(token.encode() not in bytes(r[0]) for r in rows)
    # A new password ends every session.
    accounts.set_password("ada", "battery staple")
    assert accounts.find_session(token) is None
    assert accounts.check_login("ada", "battery staple") == ada
    token, session = accounts.create_session(ada)
    accounts.end_session(session.session_id)
    assert accounts.find_session(token) is None
    stored = store._read("SELECT password_hash FROM users")  # type: ignore[attr-defined]
    assert str(stored[0][0]).startswith("scrypt$")
    assert "battery" not in str(stored[0][0])


def test_teams_roles_and_project_settings(store: MetadataStore) -> None:
    accounts = Accounts(store)
    ada, _ = accounts.create_user("ada")
    bob, _ = accounts.create_user("bob")
    accounts.create_team("vision", admin="ada")
    with pytest.raises(ValueError, match="taken"):
        accounts.create_team("bob")
    with pytest.raises(ValueError, match="team"):
        accounts.create_user("vision")
    accounts.set_team_member("vision", "bob", "viewer")
    assert accounts.team_members("vision") == {"ada": "admin", "bob": "viewer"}
    with pytest.raises(ValueError, match="role"):
        accounts.set_team_member("vision", "bob", "owner")
    with pytest.raises(NotFoundError):
        accounts.set_team_member("audio", "bob", "member")
    accounts.set_team_member("vision", "bob", "member")
    assert accounts.grants(bob).teams == {"vision": "member"}
    # A project's settings: made by its first writer, the team's default visibility.
    accounts.claim_project("vision", "cats", bob)
    accounts.claim_project("vision", "cats", ada)  # the first claim stays
    settings = accounts.project_settings("vision", "cats")
    assert (settings.visibility, settings.owner) == ("team", "bob")
    accounts.claim_project("ada", "mine", ada)
    assert accounts.project_access("ada", "mine") == ("private", ada.id)
    accounts.set_visibility("vision", "cats", "private")
    accounts.set_project_member("vision", "cats", "ada", "viewer")
    settings = accounts.project_settings("vision", "cats")
    assert (settings.visibility, settings.members) == ("private", {"ada": "viewer"})
    assert accounts.grants(ada).projects == {("vision", "cats"): "viewer"}
    accounts.set_project_member("vision", "cats", "ada", None)
    assert accounts.project_settings("vision", "cats").members == {}
    with pytest.raises(ValueError, match="visibility"):
        accounts.set_visibility("vision", "cats", "secret")
    accounts.set_team_member("vision", "bob", None)
    assert accounts.grants(bob).teams == {}


def test_which_projects_refer_to_a_blob(store: MetadataStore) -> None:
    """apply_records notes the blobs records list; migrate's backfill finds media values
    stored before that."""
    import msgpack

    from cairn.records import Record, RunRef

    accounts = Accounts(store)
    listed, old = "a" * 64, "b" * 64
    run = RunRef("ada", "p", "r")
    store.apply_records([
        Record(run, "s", 1, "run", {"name": "r", "start_time": 1.0}),
        Record(run, "s", 2, "file", {"name": "f.txt", "sha256": listed, "size": 1,
                                     "mtime": 1.0, "policy": "now", "at": 1.0,
                                     "blobs": [listed]})])
    assert accounts.blob_projects(listed) == [("ada", "p")]
    assert accounts.blob_projects(old) == []
    row = store.get_run(run)
    assert row is not None
    with store._write() as conn:  # type: ignore[attr-defined]
        conn.execute("INSERT INTO history_objects (run, key, step, value) VALUES (?, ?, ?, ?)",
                     (row.pk, "pic", 0, msgpack.packb({"_type": "image-file", "sha256": old})))
    assert accounts.backfill_project_blobs() == 1
    assert accounts.backfill_project_blobs() == 0
    assert accounts.blob_projects(old) == [("ada", "p")]


def test_failed_checks_are_counted_for_what_exists_and_forgotten(store: MetadataStore
                                                                  ) -> None:
    accounts = Accounts(store)
    key = accounts.create_user("ada", password="correct horse")[1]
    prefix = key.split("_")[1]
    for at in (100.0, 130.0, 150.0):
        accounts.note_failure("login:ada", at, window=60.0)
        accounts.note_failure(prefix, at, window=60.0)
    assert accounts.recent_failures("login:ada", since=90.0) == 3
    assert accounts.recent_failures("login:ada", since=120.0) == 2
    assert accounts.recent_failures(prefix, since=0.0) == 3
    # a user or key that does not exist costs no scrypt: nothing is written for it
    accounts.note_failure("login:nobody", 150.0, window=60.0)
    accounts.note_failure("0123abcd", 150.0, window=60.0)
    assert accounts.recent_failures("login:nobody", since=0.0) == 0
    assert accounts.recent_failures("0123abcd", since=0.0) == 0
    # failures older than the window go as new ones come
    accounts.note_failure("login:ada", 200.0, window=60.0)
    rows = store._read("SELECT what, at FROM auth_failures ORDER BY at")  # type: ignore[attr-defined]
    assert sorted((str(w), float(a)) for w, a in rows) == sorted([
        ("login:ada", 150.0), ("login:ada", 200.0), (prefix, 150.0)])


def test_keys_and_sessions_alive(store: MetadataStore) -> None:
    accounts = Accounts(store)
    ada, key = accounts.create_user("ada", password="correct horse")
    prefix = key.split("_")[1]
    _, session = accounts.create_session(ada)
    assert accounts.key_alive(prefix)
    assert accounts.session_alive(session.session_id)
    accounts.revoke_key(prefix)
    assert not accounts.key_alive(prefix)
    assert not accounts.key_alive("0123abcd")
    accounts.end_session(session.session_id)
    assert not accounts.session_alive(session.session_id)
    _, again = accounts.create_session(ada)
    with store._write() as conn:  # type: ignore[attr-defined]
        conn.execute("UPDATE users SET disabled_at = 1.0 WHERE name = 'ada'")
    assert not accounts.session_alive(again.session_id)
