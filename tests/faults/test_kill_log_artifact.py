"""kill -9 while an artifact is being logged: no half-visible version, and nothing left
behind that `cairn gc` does not clean."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from click.testing import CliRunner

import cairn
from cairn.cli.main import cli
from cairn.store.blobs import LocalBlobStore, hash_file

_LOGGER = textwrap.dedent("""
    import os, sys, cairn
    folder = sys.argv[1]
    for i in range(40):
        with open(os.path.join(folder, f"part-{i:03d}.bin"), "wb") as f:
            f.write(os.urandom(2 << 20))
    run = cairn.init(project="p")
    print("adding", flush=True)
    artifact = cairn.Artifact("big", "dataset")
    artifact.add_dir(folder)
    run.log_artifact(artifact)
    artifact.wait()
    print("logged", flush=True)
    run.finish()
""")


def test_kill_9_during_log_artifact(tmp_path: Path, cairn_root: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    for delay in (0.05, 0.3):
        proc = subprocess.Popen([sys.executable, "-c", _LOGGER, str(folder)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "adding"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    result = CliRunner().invoke(cli, ["sync", str(cairn_root / "runs")])
    assert result.exit_code == 0, result.output
    api = cairn.Api()
    for version in api.artifact_versions("dataset", "p/big"):  # any version is complete
        version.verify(version.download(tmp_path / version.version))
    api.close()
    result = CliRunner().invoke(cli, ["gc", "--min-age", "0"])
    assert result.exit_code == 0, result.output
    blobs = LocalBlobStore(cairn_root / "blobs")
    assert blobs.temp_files() == []
    for digest in blobs.digests():  # what is left is whole
        path = blobs.local_path(digest)
        assert path is not None
        assert hash_file(path).digest == digest
