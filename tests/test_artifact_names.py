"""Artifact names, types, aliases and paths are validated as wandb does."""

from __future__ import annotations

from pathlib import Path

import pytest

import cairn
from cairn.artifact_names import (
    ArtifactPath,
    check_alias,
    check_aliases,
    check_artifact_name,
    check_artifact_type,
    parse_artifact_path,
)


@pytest.mark.parametrize("name", ["mnist", "my-data_v2.1", "a" * 128])
def test_good_names(name: str) -> None:
    assert check_artifact_name(name) == name


@pytest.mark.parametrize(("name", "problem"), [
    ("", "non-empty"), ("a/b", "letters, digits"), ("a:b", "letters, digits"),
    ("a b", "letters, digits"), ("a" * 129, "limit is 128"), (3, "non-empty string"),
])
def test_bad_names(name: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        check_artifact_name(name)


@pytest.mark.parametrize("type_", ["job", "wandb-history", "wandb-x", "cairn-internal"])
def test_reserved_types(type_: str) -> None:
    with pytest.raises(ValueError, match="reserved"):
        check_artifact_type(type_)


def test_good_type() -> None:
    assert check_artifact_type("dataset") == "dataset"


@pytest.mark.parametrize(("alias", "problem"), [
    ("a/b", "'/' or ':'"), ("a:b", "'/' or ':'"), ("v3", "looks like a version"), ("", "empty"),
    ("x\ny", "control"),
])
def test_bad_aliases(alias: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        check_alias(alias)


def test_aliases_deduplicate_and_accept_one_string() -> None:
    assert check_aliases(["best", "best", "prod"]) == ["best", "prod"]
    assert check_aliases("best") == ["best"]
    with pytest.raises(ValueError, match="list of strings"):
        check_aliases(3)


@pytest.mark.parametrize(("path", "parsed"), [
    ("data", ArtifactPath(None, None, "data", "latest")),
    ("data:v3", ArtifactPath(None, None, "data", "v3")),
    ("proj/data:best", ArtifactPath(None, "proj", "data", "best")),
    ("me/proj/data:" + "a" * 64, ArtifactPath("me", "proj", "data", "a" * 64)),
])
def test_paths(path: str, parsed: ArtifactPath) -> None:
    assert parse_artifact_path(path) == parsed


@pytest.mark.parametrize(("path", "problem"), [
    ("a/b/c/d:v0", "must look like"), ("data:", "ends in ':'"), ("/data", "must look like"),
    ("me//data", "must look like"), ("data:a/b", "must not contain"),
])
def test_bad_paths(path: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_artifact_path(path)


def test_version_like_aliases_are_ignored_with_a_warning() -> None:
    """wandb assigns v0, v1, … itself and ignores such aliases rather than failing."""
    with pytest.warns(cairn.CairnWarning, match="ignoring artifact alias 'v(3|10)'"):
        assert check_aliases(["best", "v3", "v10"]) == ["best"]


def test_logging_with_a_version_like_alias_keeps_the_others(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    run = cairn.init(project="p")
    artifact = cairn.Artifact("data", "dataset")
    artifact.add_file(tmp_path / "a.txt")
    with pytest.warns(cairn.CairnWarning, match="ignoring artifact alias 'v7'"):
        run.log_artifact(artifact, aliases=["v7", "best"])
    artifact.wait()
    run.finish()
    assert artifact.version == "v0"
    assert sorted(artifact.aliases) == ["best", "latest"]
