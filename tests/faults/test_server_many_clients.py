"""A hundred client processes log to one ``cairn server`` at once (loopback, a few steps
each): every run arrives, finished, with every point exactly once.

The clients are forked from one interpreter that has imported cairn (a hundred fresh
interpreters would spend this test's time importing), wait at a gate until all exist,
then start their runs together. Each uploads from a thread of its own process
(``applier="thread"``), so a hundred uploaders meet the server at the same moment.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import cairn
from cairn.testing_server import ServerProcess, add_user

CLIENTS = 100
STEPS = 10

CROWD = """
    import os, sys, time, warnings
    import cairn

    clients, steps = int(sys.argv[1]), int(sys.argv[2])
    gate_read, gate_write = os.pipe()
    children = []
    for number in range(clients):
        pid = os.fork()
        if pid == 0:
            os.close(gate_write)
            os.read(gate_read, 1)  # every client starts at once
            code = 0
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    run = cairn.init(project="crowd", name=f"client-{number}",
                                     settings={"applier": "thread", "finish_timeout": 120,
                                               "system_interval": 0, "console": "off",
                                               "disable_git": True, "save_code": False,
                                               "save_requirements": False})
                    for step in range(steps):
                        run.log({"loss": number * 1000 + step})
                    run.finish(quiet=True)
                    # finish() returns once the run is durable in its WAL; os._exit below
                    # skips the exit's wait for the upload, so wait for it here.
                    from cairn.sinks.handoffs import wait_for_handoffs
                    if not wait_for_handoffs(120):
                        print(f"client {number}: not uploaded in time", file=sys.stderr)
                        code = 3
                unsynced = [w for w in caught if "not in the store" in str(w.message)]
                if unsynced:
                    print(f"client {number}: {unsynced[0].message}", file=sys.stderr)
                    code = 3
            except BaseException as exc:
                print(f"client {number}: {exc!r}", file=sys.stderr)
                code = 2
            sys.stderr.flush()
            os._exit(code)
        children.append(pid)
    started = time.monotonic()
    os.write(gate_write, b"x" * clients)
    failed = 0
    for pid in children:
        _, status = os.waitpid(pid, 0)
        failed += os.waitstatus_to_exitcode(status) != 0
    print(f"{failed} failed, {time.monotonic() - started:.1f}s")
    sys.exit(1 if failed else 0)
"""


def test_a_hundred_clients_log_to_one_server_at_once(tmp_path: Path,
                                                     cairn_root: Path) -> None:
    store = str(tmp_path / "team")
    key = add_user(store, "ada")
    server = ServerProcess(store, workers=2)
    server.start()
    try:
        env = {**os.environ, "CAIRN_MODE": "online", "WANDB_BASE_URL": server.url,
               "WANDB_API_KEY": key, "CAIRN_ENTITY": "ada"}
        crowd = subprocess.run([sys.executable, "-c", textwrap.dedent(CROWD), str(CLIENTS),
                                str(STEPS)], capture_output=True, text=True, env=env,
                               timeout=300, check=False)
        assert crowd.returncode == 0, crowd.stdout + crowd.stderr
    finally:
        server.stop()
    api = cairn.Api(store=store)
    try:
        runs = {run.name: run for run in api.runs("ada/crowd")}
        assert sorted(runs) == sorted(f"client-{n}" for n in range(CLIENTS))
        for number in range(CLIENTS):
            run = runs[f"client-{number}"]
            assert run.state == "finished"
            steps, values = run.series("loss")
            assert list(steps) == list(range(STEPS))  # each point once
            assert list(values) == [float(number * 1000 + s) for s in range(STEPS)]
    finally:
        api.close()
