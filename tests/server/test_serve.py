"""Serving under uvicorn: binding, addresses, and real requests over TCP."""

from __future__ import annotations

import socket
from collections.abc import Callable

import httpx
import pytest
from tests.server.conftest import JSON, LiveServer, LogRun, assert_error

from cairn.server.serve import bind, is_loopback, url_of


def test_loopback_addresses() -> None:
    for host in ("127.0.0.1", "127.5.0.1", "::1", "localhost"):
        assert is_loopback(host)
    for host in ("0.0.0.0", "::", "192.168.1.10", "example.org"):
        assert not is_loopback(host)


def test_bind_a_free_port_and_refuse_a_busy_one() -> None:
    sock = bind("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        assert url_of(sock) == f"http://127.0.0.1:{port}"
        with pytest.raises(OSError, match="in use"):
            bind("127.0.0.1", port)
    finally:
        sock.close()


def test_ipv6_urls_have_brackets() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        sock = bind("::1", 0)
    except OSError:
        pytest.skip("no IPv6 loopback")
    try:
        assert url_of(sock).startswith("http://[::1]:")
    finally:
        sock.close()


@pytest.mark.slow
def test_requests_over_tcp(log_run: LogRun, live_server: Callable[..., LiveServer]) -> None:
    run = log_run()
    server = live_server()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        projects = client.get("/api/v1/projects").json()["projects"]
        assert [p["name"] for p in projects] == ["proj"]
        answer = client.post(f"/api/v1/projects/{run.entity}/proj/envelopes",
                             json={"runs": [run.id], "keys": ["loss"], "buckets": 4}).json()
        counts = answer["series"][0]["count"]
        assert len(counts) <= 4
        assert sum(counts) == 10
        assert_error(client.get("/api/v1/nope"), 404, "not_found")
        assert_error(client.post(f"/api/v1/projects/{run.entity}/proj/envelopes",
                                 content=b"x" * (2 << 20), headers=JSON), 413, "payload_too_large")
        assert "server" not in client.get("/api/v1/projects").headers
