"""Console capture in real scripts: the terminal still shows everything; ``output.log``
and the store get timestamped lines with tqdm's carriage-return bars collapsed and ANSI
colours kept; ``redirect`` captures child processes and raw file-descriptor writes; a
flood is capped without stopping the script."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import cairn
from cairn.records import RunRef
from cairn.sdk.console import LineAssembler, _collapse
from cairn.store.registry import open_store

RED = "\x1b[31mred alert\x1b[0m"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z( E)? ")


def run_script(body: str, **settings: object) -> tuple[subprocess.CompletedProcess[str], str,
                                                         Path]:
    code = textwrap.dedent(f"""
        import os, subprocess, sys, time
        import cairn
        run = cairn.init(project="console", settings={settings!r})
        print("PATH", run.path, run.dir, flush=True)
    """) + textwrap.dedent(body)
    raw = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         env=dict(os.environ), check=False, timeout=120)
    # decoded by hand: text mode would turn the terminal's "\r" into newlines
    out = subprocess.CompletedProcess(raw.args, raw.returncode, raw.stdout.decode(),
                                      raw.stderr.decode())
    assert out.returncode == 0, out.stderr[-2000:]
    first = next(line for line in out.stdout.splitlines() if line.startswith("PATH"))
    _, path, run_dir = first.split()
    return out, path, Path(run_dir)


def stored_lines(root: Path, path: str) -> list[tuple[str, str]]:
    store = open_store(root)
    try:
        row = store.get_run(RunRef(*path.split("/")))
        assert row is not None
        return [(ln.stream, ln.text) for ln in store.console_lines(row.pk, limit=1_000_000)]
    finally:
        store.close()


def test_tqdm_bars_collapse_and_colours_survive(cairn_root: Path) -> None:
    pytest.importorskip("tqdm")
    out, path, run_dir = run_script(f"""
        from tqdm import tqdm
        print({RED!r})
        for _ in tqdm(range(200), desc="epoch 1", mininterval=0, ascii=True):
            time.sleep(0.001)
        print("done", file=sys.stderr)
        print("no newline at the end", end="")
    """)
    assert RED in out.stdout  # the terminal still gets everything
    assert "epoch 1" in out.stderr
    assert out.stderr.count("\r") > 50  # tqdm redrew its bar many times there

    log = (run_dir / "output.log").read_text()
    lines = log.splitlines()
    assert all(STAMP.match(line) for line in lines), lines
    texts = [STAMP.sub("", line) for line in lines]
    bars = [t for t in texts if "epoch 1" in t]
    assert len(bars) == 1, bars  # one line: the bar's last state
    assert "200/200" in bars[0]
    assert "\r" not in log
    assert RED in texts
    assert texts[-1] == "no newline at the end"
    assert any(line.endswith(" E done") for line in lines)  # stderr is marked

    stored = stored_lines(cairn_root, path)
    assert ("stdout", RED) in stored
    assert ("stderr", "done") in stored
    assert len([t for _, t in stored if "epoch 1" in t]) == 1
    # output.log is a run file too
    run = cairn.Api().run(path)
    with run.file("output.log").open() as fh:
        assert fh.read().decode() == log


def test_redirect_captures_child_processes_and_raw_descriptor_writes(cairn_root: Path) -> None:
    out, path, run_dir = run_script("""
        print("from python", flush=True)
        os.write(1, b"raw fd one\\n")
        os.write(2, b"raw fd two\\n")
        subprocess.run([sys.executable, "-c", "print('from a child')"], check=True)
        subprocess.run(["sh", "-c", "echo from the shell >&2"], check=True)
    """, console="redirect")
    for text in ("from python", "raw fd one", "from a child"):
        assert text in out.stdout
    assert "raw fd two" in out.stderr
    assert "from the shell" in out.stderr
    texts = [STAMP.sub("", line) for line in (run_dir / "output.log").read_text().splitlines()]
    for text in ("from python", "raw fd one", "raw fd two", "from a child", "from the shell"):
        assert text in texts
    stored = stored_lines(cairn_root, path)
    assert ("stdout", "from a child") in stored
    assert ("stderr", "from the shell") in stored


def test_console_off_captures_nothing(cairn_root: Path) -> None:
    out, path, run_dir = run_script('print("hello")\n', console="off")
    assert "hello" in out.stdout
    assert not (run_dir / "output.log").exists()
    assert stored_lines(cairn_root, path) == []


@pytest.mark.slow
def test_a_100_mb_flood_is_capped_and_the_script_runs_on(cairn_root: Path) -> None:
    cap = 1024 * 1024
    out, path, run_dir = run_script("""
        line = "x" * 999
        for i in range(100_000):
            print(line)
        print("after the flood", flush=True)
        run.log({"survived": 1})
    """, console_max_bytes=cap)
    assert out.stdout.count("x" * 999) == 100_000  # the terminal got all 100 MB
    log = run_dir / "output.log"
    rotated = run_dir / "output.log.1"
    assert log.stat().st_size <= cap
    assert rotated.exists()
    assert rotated.stat().st_size <= cap
    assert "after the flood" in log.read_text()
    stored = stored_lines(cairn_root, path)
    assert sum(len(t) + 1 for _, t in stored) <= cap + 200
    assert "console_max_bytes" in stored[-1][1]
    run = cairn.Api().run(path)
    assert run.summary["survived"] == 1
    assert {f.name for f in run.files()} >= {"output.log", "output.log.1"}


def test_carriage_returns_collapse_across_writes() -> None:
    assembler = LineAssembler()
    lines = []
    for chunk in ("\r 10%", "\r 50%", "\r100%", "\n", "a\r\n", "b\rc\r", "d\n"):
        lines += assembler.feed("stderr", chunk, 1.0)
    assert [t for _, _, t in lines] == ["100%", "a", "d"]
    assert _collapse("abc\r") == "abc\r"
    assert assembler.feed("stdout", "x" * 40_000, 2.0)[0][2] == "x" * 16_384
    assert [t for _, _, t in assembler.flush(3.0)] == ["x" * (40_000 - 2 * 16_384)]


def test_two_runs_at_once_each_capture_their_time(cairn_root: Path) -> None:
    out, _, first_dir = run_script("""
        second = cairn.init(project="console", reinit="create_new")
        print("both", flush=True)
        run.finish()
        print("only the second", flush=True)
        second.finish()
        print("neither", flush=True)
        print("SECOND", second.dir, flush=True)
    """)
    second_dir = Path(out.stdout.split("SECOND ")[1].strip())
    for text in ("both", "only the second", "neither"):
        assert text in out.stdout
    first = [STAMP.sub("", line) for line in (first_dir / "output.log").read_text().splitlines()]
    second = [STAMP.sub("", line)
              for line in (second_dir / "output.log").read_text().splitlines()]
    assert "both" in first
    assert "only the second" not in first
    assert "both" in second
    assert "only the second" in second
    assert "neither" not in second


def test_redirect_lets_a_child_outlive_the_run_without_harm(cairn_root: Path,
                                                            tmp_path: Path) -> None:
    """A child that inherited the redirected descriptors writes after finish(): its output
    still reaches the terminal, no file opened since gets it, and it does not die of
    SIGPIPE (the capture's descriptors stay open until the pipe ends)."""
    out, _, _ = run_script(f"""
        child = subprocess.Popen([sys.executable, "-c",
                                  "import time; time.sleep(3); print('late child', flush=True)"])
        run.finish()
        files = [open(os.path.join({str(tmp_path)!r}, f"unrelated{{i}}.txt"), "w+")
                 for i in range(6)]
        for fh in files:
            fh.write("mine\\n")
            fh.flush()
        print("child exit", child.wait(), flush=True)
    """, console="redirect")
    assert "late child" in out.stdout
    assert "child exit 0" in out.stdout
    for i in range(6):
        assert (tmp_path / f"unrelated{i}.txt").read_text() == "mine\n"


def test_a_forked_child_prints_through_a_capture_locked_at_the_fork(cairn_root: Path) -> None:
    out, _, run_dir = run_script("""
        import threading
        capture = sys.stdout._capture
        held, release = threading.Event(), threading.Event()
        def writer_mid_write():  # another thread in the middle of a write when fork() comes
            with capture._lock:
                held.set()
                release.wait()
        threading.Thread(target=writer_mid_write).start()
        held.wait()
        pid = os.fork()
        release.set()
        if pid == 0:
            print("from the forked child", flush=True)
            os._exit(0)
        for _ in range(300):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                print("child exit", os.waitstatus_to_exitcode(status), flush=True)
                break
            time.sleep(0.1)
        else:
            os.kill(pid, 9)
            print("child hung", flush=True)
        print("parent goes on", flush=True)
    """)
    assert "from the forked child" in out.stdout
    assert "child exit 0" in out.stdout
    texts = [STAMP.sub("", line) for line in (run_dir / "output.log").read_text().splitlines()]
    assert "parent goes on" in texts
    assert "from the forked child" not in texts  # the child is not the run


def test_the_store_gets_a_capped_number_of_lines_output_log_all(cairn_root: Path) -> None:
    code = """
        import cairn.sdk.console
        cairn.sdk.console.STORE_MAX_LINES = 50  # 100,000 in use: the same code path
        second = cairn.init(project="console", reinit="create_new")
        for i in range(200):
            print(f"line {i}")
        second.finish()
        print("SECOND", second.path, second.dir, flush=True)
    """
    out, _, _ = run_script(code)
    path, run_dir = out.stdout.split("SECOND ")[1].split()
    stored = stored_lines(cairn_root, path)
    assert stored[:50] == [("stdout", f"line {i}") for i in range(50)]
    assert stored[50:] == [("stderr", "[cairn: the console output from here on is in "
                                      "output.log only (50 lines)]")]
    texts = [STAMP.sub("", line) for line in (Path(run_dir) / "output.log").read_text()
             .splitlines()]
    assert texts == [f"line {i}" for i in range(200)]
