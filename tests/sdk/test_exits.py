"""How a script ends decides its run's state: an exception or a non-zero exit fails it,
SIGTERM and Ctrl-C kill it (and the process still dies by the signal), kill -9 leaves
it crashed. Each case runs a real script in a child process and reads the run back
through ``Api``."""

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
from cairn.errors import NotFoundError
from cairn.sdk.exits import ProcessEnd, describe_error

HEADER = """
import sys, time
import cairn
from cairn.errors import NotFoundError
run = cairn.init(project="ends", settings={"heartbeat_interval": 0.2})
run.log({"a": 1})
print(run.path, flush=True)
"""

WAIT_FOREVER = """
try:
    while True:
        run.log({"a": 2})
        time.sleep(0.01)
finally:
    print("cleaned up", flush=True)
"""


def run_script(body: str) -> tuple[subprocess.CompletedProcess[str], str]:
    out = subprocess.run([sys.executable, "-c", HEADER + textwrap.dedent(body)],
                         capture_output=True, text=True, env=dict(os.environ), check=False,
                         timeout=60)
    return out, out.stdout.splitlines()[0]


def start_script(body: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", HEADER + textwrap.dedent(body)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ))
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def test_an_uncaught_exception_fails_the_run_and_keeps_the_traceback_end() -> None:
    out, path = run_script("""
        def deep(n):
            if n == 0:
                raise RuntimeError("loss is nan")
            deep(n - 1)
        deep(100)
    """)
    assert out.returncode == 1
    run = cairn.Api().run(path)
    assert (run.state, run.exit_code) == ("failed", 1)
    error = run.metadata["error"]
    assert error["type"] == "RuntimeError"
    assert error["message"] == "loss is nan"
    lines = error["traceback"].splitlines()
    assert lines[-1] == "RuntimeError: loss is nan"
    assert len(lines) <= 40  # only the end of a deep traceback
    assert run.summary["a"] == 1


def test_a_non_zero_exit_code_fails_the_run() -> None:
    out, path = run_script("sys.exit(3)\n")
    assert out.returncode == 3
    run = cairn.Api().run(path)
    assert (run.state, run.exit_code) == ("failed", 3)
    assert "error" not in run.metadata


def test_sigterm_kills_the_run_after_cleanup_and_the_process_exits_143() -> None:
    proc, path = start_script(WAIT_FOREVER)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr  # SystemExit(128 + SIGTERM), as a shell reports it
    assert "cleaned up" in stdout  # finally blocks ran
    run = cairn.Api().run(path)
    assert (run.state, run.exit_code) == ("killed", 143)
    assert run.summary["a"] == 2  # what was logged before the signal is kept


def test_ctrl_c_kills_the_run_and_the_process_ends_as_interrupted() -> None:
    proc, path = start_script(WAIT_FOREVER)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGINT
    assert "cleaned up" in stdout
    run = cairn.Api().run(path)
    assert (run.state, run.exit_code) == ("killed", 130)


def test_kill_9_leaves_the_run_crashed(monkeypatch: pytest.MonkeyPatch) -> None:
    proc, path = start_script(WAIT_FOREVER)
    time.sleep(0.5)
    proc.kill()
    proc.communicate(timeout=60)
    # The applier process outlives the script and applies its WAL; on a busy machine the
    # run may reach the store (it is made there) only after the kill.
    deadline = time.monotonic() + 30
    while True:
        try:
            run = cairn.Api().run(path)
            break
        except NotFoundError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    assert run.state == "crashed"


def test_a_script_with_its_own_sigterm_handler_keeps_it() -> None:
    out, path = run_script("""
        import os, signal
        seen = []
        signal.signal(signal.SIGTERM, lambda *a: seen.append(1))
        run2 = cairn.init(project="ends", reinit="create_new")
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.1)
        print(seen, flush=True)
        run2.finish()
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1] == "[1]"
    assert cairn.Api().run(path).state == "finished"


def test_a_with_block_records_the_error() -> None:
    def train(run: cairn.Run) -> None:
        with run:
            run.log({"a": 1})
            _ = 1 / 0

    run = cairn.init(project="ends")
    with pytest.raises(ZeroDivisionError):
        train(run)
    stored = cairn.Api().run(run.path)
    assert stored.state == "failed"
    assert stored.metadata["error"]["type"] == "ZeroDivisionError"


def test_outcome_order_signal_then_exception_then_exit_code() -> None:
    end = ProcessEnd(exit_codes=[0, 2])
    assert end.outcome() == ("failed", 2, None)
    try:
        raise ValueError("x")
    except ValueError as exc:
        end.exceptions.append(exc)
        end.error = describe_error(ValueError, exc, exc.__traceback__)
    assert end.outcome()[:2] == ("failed", 1)
    end.signal = signal.SIGTERM
    assert end.outcome() == ("killed", 143, None)


def test_a_hostile_finish_state_falls_back_to_the_exit_code(cairn_root: Path) -> None:
    from cairn.records import Record, RunRef
    from cairn.store.registry import open_store

    ref = RunRef("e", "p", "r1")
    store = open_store(cairn_root)
    try:
        store.apply_records([Record(ref, "s", 1, "run", {"name": "x", "at": 1.0}),
                             Record(ref, "s", 2, "finish", {"state": "exploded",
                                                            "exit_code": 0, "at": 2.0})])
        row = store.get_run(ref)
        assert row is not None
        assert row.state == "finished"
    finally:
        store.close()


EXIT_HANDLERS = """
import atexit, logging, sys, time
def said_goodbye():
    with open(sys.argv[1] + ".atexit", "w") as fh:
        fh.write("bye")
atexit.register(said_goodbye)  # registered before cairn's: runs after it
logging.basicConfig(filename=sys.argv[1] + ".log", level=logging.INFO)
buffered = open(sys.argv[1] + ".data", "w")
buffered.write("unflushed")
import cairn
from cairn.errors import NotFoundError
run = cairn.init(project="ends", settings={"heartbeat_interval": 0.2})
logging.info("logged")
print(run.path, flush=True)
"""


@pytest.mark.parametrize(("signum", "returncode"), [(signal.SIGINT, -signal.SIGINT),
                                                    (signal.SIGTERM, 143)])
def test_the_users_exit_handlers_and_buffers_survive_a_signal(
        tmp_path: Path, signum: int, returncode: int) -> None:
    base = str(tmp_path / "out")
    proc = subprocess.Popen([sys.executable, "-c", EXIT_HANDLERS + WAIT_FOREVER, base],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ))
    assert proc.stdout is not None
    path = proc.stdout.readline().strip()
    time.sleep(0.3)
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == returncode, stderr
    assert Path(base + ".atexit").read_text() == "bye"
    assert Path(base + ".data").read_text() == "unflushed"
    assert "logged" in Path(base + ".log").read_text()
    assert cairn.Api().run(path).state == "killed"


def test_sigterm_ends_a_process_stuck_in_c_code_with_the_run_killed() -> None:
    """The main thread never runs the Python handler while it waits in C code that lets
    other threads run (as a hung collective does): here SQLite waiting for a lock that
    is never released. The watcher finishes the run as killed and ends the process."""
    proc, path = start_script("""
        import os, sqlite3, tempfile
        db = os.path.join(tempfile.mkdtemp(), "locked.db")
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        sqlite3.connect(db, timeout=600).execute("SELECT 1 FROM sqlite_master").fetchall()
    """)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert cairn.Api().run(path).state == "killed"


def test_forked_children_die_by_sigterm_and_the_handler_leaves_with_the_last_run() -> None:
    out, path = run_script("""
        import multiprocessing, signal
        def child():
            try:
                time.sleep(60)
            finally:
                print("child cleanup ran", flush=True)
        p = multiprocessing.get_context("fork").Process(target=child)
        p.start()
        time.sleep(0.3)
        p.terminate()
        p.join(30)
        print("child exitcode", p.exitcode, flush=True)
        print("during run", signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, flush=True)
        run.finish()
        print("after finish", signal.getsignal(signal.SIGTERM) is signal.SIG_DFL,
              signal.set_wakeup_fd(-1), flush=True)
    """)
    assert out.returncode == 0, out.stderr
    assert f"child exitcode {-signal.SIGTERM}" in out.stdout
    assert "child cleanup ran" not in out.stdout
    assert "during run False" in out.stdout
    assert "after finish True -1" in out.stdout
    assert cairn.Api().run(path).state == "finished"


@pytest.mark.parametrize(("body", "returncode", "state"), [
    ("raise SystemExit(3)\n", 3, "failed"),
    ("exit(4)\n", 4, "failed"),
    ("quit('bad config')\n", 1, "failed"),
    ("def main():\n    sys.exit(6)\nmain()\n", 6, "failed"),
    ("raise SystemExit\n", 0, "finished"),
    ("try:\n    sys.exit(1)\nexcept SystemExit:\n    pass\n", 0, "finished"),
    ("try:\n    exit(2)\nexcept SystemExit:\n    pass\n", 0, "finished"),
])
def test_a_system_exit_of_any_origin_sets_the_state_and_a_caught_one_does_not(
        body: str, returncode: int, state: str) -> None:
    out, path = run_script(body)
    assert out.returncode == returncode, out.stderr
    run = cairn.Api().run(path)
    assert run.state == state
    if state == "failed":
        assert run.exit_code == returncode


def test_sigterm_while_finishing_waits_until_the_run_is_recorded() -> None:
    """finish() waits for an alert's delivery (a receiver that never answers) when
    SIGTERM comes: the run's end is still recorded, then the process exits 143."""
    out, path = run_script("""
        import os, signal, socket, threading
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        run2 = cairn.init(project="ends", reinit="create_new", settings={
            "notifiers": [{"type": "webhook", "url": url}], "alert_timeout": 3,
            "alert_retries": 0, "console": "off"})
        print(run2.path, flush=True)
        run.finish()
        run2.alert("slow", "nobody answers")
        threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM)).start()
        try:
            run2.finish()
        finally:
            print("finish returned", flush=True)
    """)
    assert out.returncode == 143, out.stderr
    second = out.stdout.splitlines()[1]
    assert "finish returned" in out.stdout
    assert cairn.Api().run(second).state == "finished"
    assert cairn.Api().run(path).state == "finished"
