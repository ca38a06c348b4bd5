"""run.save with its policies, cairn.save and cairn.restore, and path escapes refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import cairn
from cairn.sdk.file_sync import resolve_pattern


def _stored(run_path: str) -> dict[str, bytes]:
    api = cairn.Api()
    try:
        out = {}
        for f in api.run(run_path).files():
            with f.open() as fh:
                out[f.name] = fh.read()
        return out
    finally:
        api.close()


def _wait_for(check: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_now_saves_matches_by_their_path_below_base(tmp_path: Path) -> None:
    base = tmp_path / "work"
    (base / "ckpt" / "deep").mkdir(parents=True)
    (base / "ckpt" / "a.pt").write_bytes(b"A")
    (base / "ckpt" / "deep" / "b.pt").write_bytes(b"B")
    (base / "ckpt" / "skip.txt").write_text("no")
    run = cairn.init(project="p")
    linked = run.save(str(base / "ckpt" / "**" / "*.pt"), base_path=str(base), policy="now")
    assert sorted(Path(p).relative_to(run.dir).as_posix() for p in linked) == [
        "ckpt/a.pt", "ckpt/deep/b.pt"]
    assert (Path(run.dir) / "ckpt" / "a.pt").read_bytes() == b"A"  # visible in run.dir
    (base / "ckpt" / "a.pt").write_bytes(b"changed after now")
    run.finish()
    assert _stored(run.path) == {"ckpt/a.pt": b"A", "ckpt/deep/b.pt": b"B"}


def test_relative_glob_is_below_the_working_directory(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("out").mkdir()
    Path("out/model.bin").write_bytes(b"m")
    run = cairn.init(project="p")
    cairn.save("out/*.bin", policy="now")
    run.finish()
    assert _stored(run.path) == {"out/model.bin": b"m"}


def test_an_absolute_glob_without_base_keeps_its_folder(tmp_path: Path) -> None:
    """As wandb 0.31: files are named below the folder above the glob's; but a file in
    run.dir is named by its path there (wandb would add a copy under files/)."""
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.h5").write_bytes(b"x")
    run = cairn.init(project="p")
    run.save(str(tmp_path / "d" / "*.h5"), policy="now")
    (Path(run.dir) / "m.pt").write_bytes(b"m")
    assert run.save(os.path.join(run.dir, "m.pt"), policy="now") == [
        os.path.join(run.dir, "m.pt")]
    run.finish()
    assert _stored(run.path) == {"d/x.h5": b"x", "m.pt": b"m"}


def test_relative_glob_and_base_path_are_both_from_the_working_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models" / "sub").mkdir(parents=True)
    (tmp_path / "models" / "x.zip").write_bytes(b"x")
    (tmp_path / "models" / "sub" / "[1].zip").write_bytes(b"y")
    run = cairn.init(project="p")
    run.save("models/x.zip", base_path="models", policy="now")
    run.save("models/sub/[1].zip", base_path="models", policy="now", glob=False)
    assert run.save("models/sub/[1].zip", policy="now") == []  # a glob: [1] is a class
    run.finish()
    assert _stored(run.path) == {"x.zip": b"x", "sub/[1].zip": b"y"}


def test_end_saves_what_the_glob_matches_at_finish(tmp_path: Path) -> None:
    run = cairn.init(project="p")
    run.save(str(tmp_path / "*.log"), base_path=str(tmp_path), policy="end")
    (tmp_path / "late.log").write_text("made after save()")
    run.log({"x": 1})
    run._flush_to_store()
    assert _stored(run.path) == {}
    run.finish()
    assert _stored(run.path) == {"late.log": b"made after save()"}


def test_live_records_each_settled_version_and_later_matches(tmp_path: Path,
                                                             cairn_root: Path) -> None:
    run = cairn.init(project="p", settings={"file_sync_interval": 0.05})
    target = tmp_path / "metrics.json"
    target.write_text('{"v": 1}')
    run.save(str(tmp_path / "*.json"), base_path=str(tmp_path))
    assert _wait_for_stored(run, {"metrics.json": b'{"v": 1}'})
    target.write_text('{"v": 2, "more": true}')
    assert _wait_for_stored(run, {"metrics.json": b'{"v": 2, "more": true}'})
    (tmp_path / "new.json").write_text("later")  # matches the glob after save()
    assert _wait_for_stored(run, {"metrics.json": b'{"v": 2, "more": true}',
                                  "new.json": b"later"})
    target.write_text("final")  # written just before finish: caught by the last pass
    run.finish()
    assert _stored(run.path)["metrics.json"] == b"final"


def _wait_for_stored(run: cairn.Run, expected: dict[str, bytes]) -> bool:
    def check() -> bool:
        run._flush_to_store()
        return _stored(run.path) == expected
    _wait_for(check)
    return True


@pytest.mark.parametrize(("glob_str", "base"), [
    ("../outside/*.txt", "inside"), ("/etc/*.conf", "inside"), ("a/../../*.txt", "inside"),
])
def test_globs_leaving_base_path_are_refused(tmp_path: Path, glob_str: str, base: str) -> None:
    with pytest.raises(ValueError, match="leaves base_path"):
        resolve_pattern(glob_str, tmp_path / base, "now")


def test_bad_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="policy"):
        resolve_pattern("*.txt", None, "sometimes")


def test_symlink_pointing_out_of_base_is_refused(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("do not upload")
    (base / "link.txt").symlink_to(secret)
    run = cairn.init(project="p")
    with pytest.raises(ValueError, match="outside base_path"):
        run.save(str(base / "*.txt"), base_path=str(base), policy="now")
    run.finish()
    assert _stored(run.path) == {}


_STREAMING = textwrap.dedent("""
    import os, resource, sys, cairn
    big = sys.argv[1]
    with open(big, "wb") as fh:
        chunk = os.urandom(1 << 20)
        for _ in range(200):
            fh.write(chunk)
    run = cairn.init(project="p")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    run.save(big, policy="now")
    run.finish()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print((after - before) // 1024)
""")


def test_huge_file_streams(tmp_path: Path) -> None:
    """A 200 MB file is hashed and stored in pieces: the process grows by far less."""
    big = tmp_path / "big.bin"
    out = subprocess.run([sys.executable, "-c", _STREAMING, str(big)], capture_output=True,
                         text=True, check=True, env=os.environ.copy())
    grown_mb = int(out.stdout.strip().splitlines()[-1])
    assert grown_mb < 50
    api = cairn.Api()
    (run,) = api.runs("p")
    assert run.file(f"{tmp_path.name}/big.bin").size == 200 << 20
    api.close()



_LIVE_WRITER = textwrap.dedent("""
    import os, sys, cairn
    folder = sys.argv[1]
    run = cairn.init(project="p", settings={"file_sync_interval": 0.01})
    print(run.path, flush=True)
    path = os.path.join(folder, "state.bin")
    with open(path, "wb") as f:
        f.write(b"v0" * 1000)
    run.save(path, policy="live")
    i = 0
    while True:
        i += 1
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(str(i).encode() * 50000)
        os.replace(tmp, path)
""")


def test_kill_9_while_live_saving_leaves_complete_versions(tmp_path: Path,
                                                           cairn_root: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", _LIVE_WRITER, str(tmp_path)],
                            stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    assert proc.stdout is not None
    run_path = proc.stdout.readline().strip()
    time.sleep(1.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    from click.testing import CliRunner

    from cairn.cli.main import cli

    result = CliRunner().invoke(cli, ["sync", str(cairn_root / "runs")])
    assert result.exit_code == 0, result.output
    content = _stored(run_path)[f"{tmp_path.name}/state.bin"]
    # a whole version, never a torn one: one repeated token of the full length
    token = content[:2] if content.startswith(b"v0") else None
    if token is None:
        digits = content.rstrip(b"\n")
        unit = digits[: len(digits) // 50000]
        assert unit * 50000 == content
    else:
        assert content == b"v0" * 1000
    from cairn.store.blobs import LocalBlobStore, hash_file

    blobs = LocalBlobStore(cairn_root / "blobs")
    for digest in blobs.digests():  # nothing half-written is visible under a digest
        path = blobs.local_path(digest)
        assert path is not None
        assert hash_file(path).digest == digest


def test_a_broad_glob_skips_the_cairn_folder(tmp_path: Path, cairn_root: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(cairn_root.parent)  # the cairn folder is below the working directory
    Path("notes.txt").write_text("mine")
    run = cairn.init(project="p")
    run.save("**/*", policy="now")
    run.finish()
    assert set(_stored(run.path)) == {"notes.txt"}


def test_a_file_of_the_user_in_run_dir_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("from the source folder")
    run = cairn.init(project="p")
    mine = Path(run.dir) / "config.yaml"
    mine.write_text("written by the user into run.dir")
    run.save(str(tmp_path / "config.yaml"), base_path=str(tmp_path), policy="now")
    run.finish()
    assert mine.read_text() == "written by the user into run.dir"
    assert _stored(run.path) == {"config.yaml": b"from the source folder"}


def test_offline_saves_arrive_with_sync(tmp_path: Path, cairn_root: Path) -> None:
    from click.testing import CliRunner

    from cairn.cli.main import cli

    (tmp_path / "out.txt").write_text("made offline")
    run = cairn.init(project="p", mode="offline")
    run.save(str(tmp_path / "out.txt"), policy="end")
    run.finish()
    result = CliRunner().invoke(cli, ["sync", str(cairn_root / "runs")])
    assert result.exit_code == 0, result.output
    assert _stored(run.path) == {f"{tmp_path.name}/out.txt": b"made offline"}


def test_a_file_that_never_settles_is_still_recorded(tmp_path: Path) -> None:
    """Debouncing waits for a file to hold still, but not forever: a log rewritten all
    the time (here every millisecond, far more often than the 20 ms polls) is recorded
    every few polls."""
    import threading

    log = tmp_path / "progress.log"
    log.write_text("0")
    run = cairn.init(project="p", settings={"file_sync_interval": 0.02})
    run.save(str(log), policy="live")
    name = f"{tmp_path.name}/progress.log"  # an absolute path keeps its folder
    assert _wait_for_stored(run, {name: b"0"})
    stop = threading.Event()

    def keep_writing() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            log.write_text(f"{i:09d}")
            time.sleep(0.001)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        def recorded_while_changing() -> bool:
            run._flush_to_store()
            return _stored(run.path)[name] != b"0"

        _wait_for(recorded_while_changing)
    finally:
        stop.set()
        writer.join()
    run.finish()


@pytest.mark.parametrize("policy", ["now", "live", "end"])
def test_saving_a_file_in_run_dir_keeps_it(policy: str) -> None:
    """wandb's idiom: write into run.dir, then save it by its path there."""
    run = cairn.init(project="p", settings={"file_sync_interval": 0.05})
    model = Path(run.dir) / "model.pt"
    model.write_bytes(b"weights")
    linked = run.save(os.path.join(run.dir, "model.pt"), policy=policy)
    assert linked == [str(model)]
    run.finish()
    assert _stored(run.path) == {"model.pt": b"weights"}


def test_files_written_into_run_dir_are_saved_at_finish() -> None:
    run = cairn.init(project="p")
    (Path(run.dir) / "sub").mkdir()
    (Path(run.dir) / "sub" / "notes.md").write_text("kept at the end")
    run.log({"x": 1})
    run._flush_to_store()
    assert _stored(run.path) == {}
    run.finish()
    assert _stored(run.path) == {"sub/notes.md": b"kept at the end"}
    api = cairn.Api()
    assert api.run(run.path).file("sub/notes.md").digest
    api.close()


def test_a_glob_never_reaches_the_stores_own_files(cairn_root: Path) -> None:
    run = cairn.init(project="p")
    (Path(run.dir) / "out.txt").write_text("run file")
    with pytest.warns(cairn.CairnWarning, match="only the cairn folder's own files"):
        run.save(str(cairn_root / "**" / "*"), base_path=str(cairn_root), policy="now")
    run.finish()
    assert _stored(run.path) == {"out.txt": b"run file"}  # only the run.dir sweep's



def test_a_broad_glob_never_walks_the_store_folders(tmp_path: Path, cairn_root: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The live watcher evaluates its globs every second: the blob and cache folders (which
    can hold millions of files) are pruned from the walk, not filtered afterwards."""
    from cairn.sdk.file_sync import SavePattern, matching_files

    for folder in ("blobs/sha256/ab", "cache/blobs/sha256/cd", "runs/r1/blobs/sha256/ef",
                   "runs/r1/files/sub"):
        (cairn_root / folder).mkdir(parents=True)
        (cairn_root / folder / "x.txt").write_text("x")
    (tmp_path / "notes.txt").write_text("mine")
    scanned: list[str] = []
    real_scandir = os.scandir

    def recording_scandir(path: str | os.PathLike[str] = ".") -> object:
        scanned.append(os.path.abspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", recording_scandir)
    found = matching_files(SavePattern(str(tmp_path / "**" / "*.txt"), tmp_path, "live"),
                           cairn_root)
    monkeypatch.undo()
    assert found == [tmp_path / "notes.txt"]
    assert str(tmp_path) in scanned
    assert not [p for p in scanned if p.startswith(str(cairn_root) + os.sep)
                or p == str(cairn_root)]
    # through the files folder its base lies in, a glob still reaches run files
    files = cairn_root / "runs" / "r1" / "files"
    assert matching_files(SavePattern(str(files / "**" / "*.txt"), files, "live"),
                          cairn_root) == [files / "sub" / "x.txt"]


@pytest.mark.parametrize(("pattern", "expected"), [
    ("*.txt", ["a.txt"]),
    ("**/*.txt", ["a.txt", "d/b.txt", "d/e/c.txt"]),
    ("d/**", ["d/b.txt", "d/e/c.txt", "d/e/f.bin"]),
    ("d/*/*.bin", ["d/e/f.bin"]),
    ("d/e/c.txt", ["d/e/c.txt"]),
    ("**/c.txt", ["d/e/c.txt"]),
    ("?.txt", ["a.txt"]),
    ("[ab].txt", ["a.txt"]),
    (".hidden/*", [".hidden/h.txt"]),
])
def test_globs_match_as_the_glob_module_does(tmp_path: Path, pattern: str,
                                             expected: list[str]) -> None:
    import glob as glob_module

    from cairn.sdk.file_sync import SavePattern, matching_files

    for name in ("a.txt", "d/b.txt", "d/e/c.txt", "d/e/f.bin", ".hidden/h.txt", ".h.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    found = matching_files(SavePattern(str(tmp_path / pattern), tmp_path, "now"), None)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == expected
    reference = sorted(p for p in glob_module.glob(str(tmp_path / pattern), recursive=True)
                       if os.path.isfile(p))
    assert [str(p) for p in found] == reference
