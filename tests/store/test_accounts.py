"""Users and API keys (migration 0009) on both SQL dialects."""

from __future__ import annotations

import hashlib

import pytest

from cairn.store.accounts import Accounts, parse_key
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
    # Only the hash of the secret is kept.
    rows = store._read("SELECT prefix, secret_hash FROM api_keys")  # type: ignore[attr-defined]
    assert {str(p): bytes(h) for p, h in rows}[prefix] == hashlib.sha256(
        secret.encode()).digest()
    assert all(secret.encode() not in bytes(h) for _, h in rows)
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
