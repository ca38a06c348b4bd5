"""The team server's app in-process: API keys on every route, health checks, WAL-batch
ingest (idempotent, all or nothing) and blob uploads by digest."""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zstandard

from cairn.records import SERIES_FLOAT, Record, RunRef, pack_float64, pack_int64
from cairn.server.app import app_context
from cairn.server.team import TeamConfig, create_team_app
from cairn.sinks.upload import WAL_MEDIA_TYPE, encode_batch
from cairn.store.accounts import Accounts
from cairn.store.sqlite import SqliteStore

from .conftest import ApiClient, assert_error


@pytest.fixture
def team(tmp_path: Path) -> Iterator[tuple[ApiClient, dict[str, str]]]:
    """The app over a fresh embedded folder, with users alice (admin), bob and carol."""
    folder = tmp_path / "team"
    store = SqliteStore(folder / "cairn.db")
    accounts = Accounts(store)
    keys = {name: accounts.create_user(name, admin=name == "alice")[1]
            for name in ("alice", "bob", "carol")}
    store.close()
    config = TeamConfig(store=str(folder), blobs=f"file://{folder / 'blobs'}",
                        root=str(tmp_path / "cairn"), access_log=False, key_cache_seconds=0)
    app = create_team_app(config)
    yield ApiClient(app), keys
    app_context(app).store.close()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def history(run: RunRef, session: str, seqs: range, step0: int = 0) -> list[Record]:
    """A run record then one history row per sequence number."""
    records = [Record(run, session, seqs[0], "run", {"name": "r", "start_time": 1.0})]
    records += [Record(run, session, seq, "history", {
        "steps": [pack_int64([step0 + i])],
        "num": {"loss": [0, pack_float64([float(i)]), SERIES_FLOAT]}})
        for i, seq in enumerate(seqs[1:])]
    return records


def send(api: ApiClient, key: str, body: bytes, **headers: str) -> Any:
    return api.post("/api/v1/ingest", content=body,
                    headers={"Content-Type": WAL_MEDIA_TYPE, **bearer(key), **headers})


def points(api: ApiClient, key: str, path: str) -> list[float]:
    found = api.get(f"/api/v1/runs/{path}/history", params={"keys": "loss"},
                    headers=bearer(key))
    assert found.status_code == 200, found.text
    return [row["loss"] for row in found.json()["rows"]]


def test_every_route_but_health_needs_a_key(team: tuple[ApiClient, dict[str, str]]) -> None:
    api, keys = team
    assert api.get("/healthz").json() == {"ok": True}
    assert api.get("/readyz").json()["store"] == "ok"
    for path in ("/api/v1/projects", "/api/v1/viewer", "/api/v1/me", "/api/v1/teams"):
        response = api.get(path)
        assert_error(response, 401, "unauthorized")
        assert response.headers["www-authenticate"].startswith("Basic")
        # the web app asks with its mark: no challenge, the browser opens no login box
        marked = api.get(path, headers={"X-Requested-With": "cairn"})
        assert_error(marked, 401, "unauthorized")
        assert "www-authenticate" not in marked.headers
    # the web app's files hold no data: its login page loads signed out
    assert api.get("/").status_code == 200
    assert api.get("/lab/shared/settings").status_code == 200
    # a path that is no route says so to anyone (the routes are public: /openapi.json)
    assert_error(api.get("/api/v1/nothing"), 404, "not_found")
    assert_error(api.get("/api/v1/projects", headers=bearer(keys["bob"] + "0")), 401,
                 "unauthorized")
    assert_error(api.get("/api/v1/projects", headers=bearer("cairn_00000000_" + "0" * 64)),
                 401, "unauthorized")
    assert api.get("/api/v1/viewer", headers=bearer(keys["bob"])).json()["user"] == "bob"
    basic = base64.b64encode(f"api:{keys['carol']}".encode()).decode()
    found = api.get("/api/v1/viewer", headers={"Authorization": f"Basic {basic}"})
    assert found.json() == {"user": "carol", "admin": False, "entity": "carol"}


def test_a_revoked_key_is_refused_and_use_is_recorded(
        team: tuple[ApiClient, dict[str, str]]) -> None:
    api, keys = team
    assert api.get("/api/v1/projects", headers=bearer(keys["bob"])).status_code == 200
    store = app_context(api.app).store
    accounts = Accounts(store)
    listed = {user.name: found for user, found in accounts.list_users()}
    assert listed["bob"][0].last_used_at is not None
    assert listed["carol"][0].last_used_at is None
    accounts.revoke_key(keys["bob"])
    assert_error(api.get("/api/v1/projects", headers=bearer(keys["bob"])), 401,
                 "unauthorized")
    assert api.get("/api/v1/projects", headers=bearer(keys["carol"])).status_code == 200


def test_a_batch_is_applied_once(team: tuple[ApiClient, dict[str, str]]) -> None:
    api, keys = team
    run = RunRef("bob", "p", "r1")
    batch = encode_batch(run, "s1", history(run, "s1", range(1, 11)))
    first = send(api, keys["bob"], batch)
    assert first.json() == {"applied": 10, "present": 0, "records": 10, "unknown_kinds": []}
    again = send(api, keys["bob"], batch)
    assert again.json()["applied"] == 0
    assert again.json()["present"] == 10
    # A later batch overlapping the first: only the new records count.
    more = encode_batch(run, "s1", history(run, "s1", range(6, 16), step0=5))
    assert send(api, keys["bob"], more).json()["applied"] == 5
    # steps 0-8 from the first batch; the second's new rows (seq 11-15, its 5th to 9th
    # history rows) are steps 9-13
    assert points(api, keys["bob"], "bob/p/r1") == [float(i) for i in range(9)] + [
        float(i) for i in range(4, 9)]


def test_a_zstd_batch_is_read(team: tuple[ApiClient, dict[str, str]]) -> None:
    api, keys = team
    run = RunRef("bob", "p", "z")
    batch = encode_batch(run, "s", history(run, "s", range(1, 101)))
    body = zstandard.ZstdCompressor().compress(batch)
    answer = send(api, keys["bob"], body, **{"Content-Encoding": "zstd"})
    assert answer.json()["applied"] == 100
    assert len(points(api, keys["bob"], "bob/p/z")) == 99


def _damaged(batch: bytes) -> dict[str, bytes]:
    frame_at = len(encode_batch(RunRef("bob", "p", "bad"), "s", []))
    flipped = bytearray(batch)
    flipped[frame_at + 20] ^= 0xFF
    return {
        "bad magic": b"NOTAWAL!" + batch[8:],
        "damaged frame": bytes(flipped),
        "cut off": batch[:-3],
        "no open frame": batch[:16] + batch[frame_at:],
        "version": batch[:8] + struct.pack("<H", 99) + batch[10:],
        "empty": b"",
    }


@pytest.mark.parametrize("case", ["bad magic", "damaged frame", "cut off", "no open frame",
                                  "version", "empty"])
def test_a_bad_batch_is_refused_whole(team: tuple[ApiClient, dict[str, str]],
                                      case: str) -> None:
    api, keys = team
    run = RunRef("bob", "p", "bad")
    batch = encode_batch(run, "s", history(run, "s", range(1, 6)))
    message = assert_error(send(api, keys["bob"], _damaged(batch)[case]), 400, "bad_request")
    assert "batch" in message
    assert api.get("/api/v1/runs/bob/p/bad", headers=bearer(keys["bob"])).status_code == 404


def test_what_else_is_refused(team: tuple[ApiClient, dict[str, str]]) -> None:
    api, keys = team
    run = RunRef("carol", "p", "theirs")
    batch = encode_batch(run, "s", history(run, "s", range(1, 4)))
    assert "carol" in assert_error(send(api, keys["bob"], batch), 403, "forbidden")
    assert_error(send(api, keys["bob"] + "x", batch), 401, "unauthorized")
    assert_error(api.post("/api/v1/ingest", content=batch,
                          headers={"Content-Type": "application/octet-stream",
                                   **bearer(keys["bob"])}), 415, "unsupported_media_type")
    assert_error(send(api, keys["bob"], batch, **{"Content-Encoding": "br"}), 415,
                 "unsupported_encoding")
    assert_error(send(api, keys["bob"], b"\x28\xb5\x2f\xfd garbage",
                      **{"Content-Encoding": "zstd"}), 400, "bad_request")
    bomb = zstandard.ZstdCompressor().compress(b"\0" * (129 << 20))
    assert_error(send(api, keys["bob"], bomb, **{"Content-Encoding": "zstd"}), 413,
                 "payload_too_large")
    assert_error(send(api, keys["bob"], b"x" * ((32 << 20) + 1)), 413, "payload_too_large")
    assert api.get("/api/v1/runs/carol/p/theirs", headers=bearer(keys["carol"])
                   ).status_code == 404
    # An admin writes any entity's runs.
    assert send(api, keys["alice"], batch).json()["applied"] == 3


def test_blobs_go_by_digest_once(team: tuple[ApiClient, dict[str, str]]) -> None:
    api, keys = team
    data = b"some image bytes" * 1000
    digest = hashlib.sha256(data).hexdigest()
    headers = {**bearer(keys["bob"]), "Content-Type": "application/octet-stream"}
    assert api.request("HEAD", f"/api/v1/blobs/{digest}", headers=headers).status_code == 404
    wrong = api.request("PUT", f"/api/v1/blobs/{'0' * 64}", content=data, headers=headers)
    assert digest in assert_error(wrong, 400, "bad_request")
    assert api.request("HEAD", f"/api/v1/blobs/{'0' * 64}", headers=headers
                       ).status_code == 404
    put = api.request("PUT", f"/api/v1/blobs/{digest}", content=data, headers=headers)
    assert put.status_code == 201
    assert put.json()["stored"] is True
    assert api.request("HEAD", f"/api/v1/blobs/{digest}", headers=headers).status_code == 200
    assert api.request("PUT", f"/api/v1/blobs/{digest}", content=data,
                       headers=headers).json()["stored"] is False
    # To another user the server does not say it holds bob's blob (no content oracle): a
    # held blob is one to send, checked, and answered as a new one.
    carol = {**bearer(keys["carol"]), "Content-Type": "application/octet-stream"}
    assert api.request("HEAD", f"/api/v1/blobs/{digest}", headers=carol).status_code == 404
    assert api.request("PUT", f"/api/v1/blobs/{digest}", content=b"", headers=carol
                       ).status_code == 400
    again = api.request("PUT", f"/api/v1/blobs/{digest}", content=data, headers=carol)
    assert (again.status_code, again.json()) == (201, put.json())
    assert api.request("HEAD", f"/api/v1/blobs/{digest}", headers=carol).status_code == 200
    # Served only through a project that refers to it, to whoever may read that project:
    # until then, and to others, exactly as a blob the server does not have.
    missing = assert_error(api.get(f"/api/v1/blobs/{'1' * 64}", headers=headers), 404,
                           "not_found").replace("1" * 64, digest)
    assert assert_error(api.get(f"/api/v1/blobs/{digest}", headers=headers), 404,
                        "not_found") == missing
    run = RunRef("bob", "p", "with-file")
    send(api, keys["bob"], encode_batch(run, "s", [
        *history(run, "s", range(1, 2)),
        Record(run, "s", 2, "file", {"name": "img.bin", "sha256": digest, "size": len(data),
                                     "mtime": 1.0, "policy": "now", "at": 1.0,
                                     "blobs": [digest]})]))
    assert api.get(f"/api/v1/blobs/{digest}", headers=headers).content == data
    assert api.get(f"/api/v1/blobs/{digest}", headers=bearer(keys["alice"])).content == data
    assert assert_error(api.get(f"/api/v1/blobs/{digest}", headers=bearer(keys["carol"])),
                        404, "not_found") == missing
    assert_error(api.request("PUT", "/api/v1/blobs/not-a-digest", content=data,
                             headers=headers), 400, "bad_request")
    assert api.request("HEAD", f"/api/v1/blobs/{digest}").status_code == 401


def test_a_browser_still_cannot_post_across_sites(
        team: tuple[ApiClient, dict[str, str]]) -> None:
    api, keys = team
    run = RunRef("bob", "p", "csrf")
    batch = encode_batch(run, "s", history(run, "s", range(1, 3)))
    refused = api.post("/api/v1/ingest", content=batch, headers={
        "Content-Type": WAL_MEDIA_TYPE, **bearer(keys["bob"]),
        "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert_error(refused, 403, "forbidden")


def test_a_prefix_guessed_too_often_is_refused_unchecked(tmp_path: Path) -> None:
    """Each check of a key with a known prefix costs one scrypt: after a few failures in a
    minute, keys with that prefix are refused without one (others are not affected)."""
    import anyio

    from cairn.server.auth import KeyChecks, TooManyFailures

    store = SqliteStore(tmp_path / "cairn.db")
    try:
        accounts = Accounts(store)
        bob = accounts.create_user("bob")[1]
        carol = accounts.create_user("carol")[1]
        checks = KeyChecks(accounts, cache_seconds=0, max_failures=3)
        wrong = bob[:-1] + ("1" if bob.endswith("0") else "0")
        for _ in range(3):
            assert anyio.run(checks.owner, wrong) is None
        with pytest.raises(TooManyFailures):
            anyio.run(checks.owner, wrong)
        with pytest.raises(TooManyFailures):
            anyio.run(checks.owner, bob)  # the price: bob waits out the minute too
        found = anyio.run(checks.owner, carol)
        assert found is not None
        assert found.user.name == "carol"
    finally:
        store.close()
