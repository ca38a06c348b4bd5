"""The applier process: applies the WALs of one training process's runs to their stores.

Started by ``cairn.sinks.process`` as ``python -m cairn.sinks.applier_process``. Working in
its own process, it never competes with training for the interpreter lock: a CPU-bound
training loop neither slows it (live updates stay live) nor is slowed by it.

It talks to its parent in JSON lines. Commands on stdin::

    {"op": "watch",  "key": K, "wal": PATH, "root": DIR, "interval": S,
     "heartbeat_timeout": S, "busy_timeout": S}
    {"op": "flush",  "key": K, "id": N}               apply what is there now
    {"op": "finish", "key": K, "id": N, "timeout": S}  apply everything, then forget K
    {"op": "forget", "key": K}                         stop watching (the parent applied it)

and on stdout ``{"event": "ready"}``, ``{"id": N, "ok": bool}`` replies and
``{"event": "warn", "key": K, "topic": T, "message": M}``. When stdin closes or the parent
dies, it applies what every WAL holds and exits; what it could not apply stays in the
WALs for ``cairn sync``.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import IO, Any

from cairn.sinks.local import LocalSink
from cairn.sinks.tail import WalTail

_POLL = 0.05
_EXIT_DEADLINE = 5.0


class _SharedStores:
    """One open store per cairn folder, shared by the runs that log there."""

    def __init__(self) -> None:
        self._stores: dict[tuple[str, float, float], tuple[Any, int]] = {}

    def open(self, root: str, heartbeat_timeout: float, busy_timeout: float) -> LocalSink:
        from cairn.store.registry import open_blobs, open_store

        key = (root, heartbeat_timeout, busy_timeout)
        found = self._stores.get(key)
        if found is None:
            found = (open_store(root, heartbeat_timeout, busy_timeout), 0)
        store, users = found
        self._stores[key] = (store, users + 1)
        stores = self

        class _Borrowed(LocalSink):
            def close(self) -> None:
                stores.release(key)

        return _Borrowed(store, open_blobs(root))

    def release(self, key: tuple[str, float, float]) -> None:
        store, users = self._stores[key]
        if users <= 1:
            del self._stores[key]
            store.close()
        else:
            self._stores[key] = (store, users - 1)


class Server:
    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._out_lock = threading.Lock()
        self._tails: dict[str, WalTail] = {}
        self._stores = _SharedStores()
        self.parent_gone = False

    def send(self, message: dict[str, Any]) -> None:
        with self._out_lock:
            if self.parent_gone:
                return
            try:
                self._out.write(json.dumps(message) + "\n")
                self._out.flush()
            except (OSError, ValueError):
                # The parent has exited: finish the work quietly (no broken-pipe noise).
                self.parent_gone = True
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self._out.fileno())

    def _reporter(self, key: str) -> Any:
        def report(topic: str, message: str) -> None:
            self.send({"event": "warn", "key": key, "topic": topic, "message": message})

        return report

    def handle(self, command: dict[str, Any]) -> None:
        op, key = command.get("op"), str(command.get("key"))
        if op == "watch":
            root = str(command["root"])
            heartbeat, busy = float(command["heartbeat_timeout"]), float(command["busy_timeout"])
            tail = WalTail(Path(command["wal"]),
                           lambda: self._stores.open(root, heartbeat, busy),
                           float(command["interval"]), self._reporter(key))
            self._tails[key] = tail
            tail.apply_pending()  # the run's start reaches the store at once
        elif op == "flush":
            found = self._tails.get(key)
            ok = found.apply_pending() if found is not None else False
            self.send({"id": command["id"], "ok": ok})
        elif op == "forget":
            found = self._tails.pop(key, None)
            if found is not None:
                found.close_sink()
        elif op == "finish":
            found = self._tails.pop(key, None)
            deadline = time.monotonic() + float(command.get("timeout", 30.0))
            ok = found.drain(deadline) if found is not None else False
            self.send({"id": command["id"], "ok": ok})

    def tick(self) -> None:
        now = time.monotonic()
        for tail in list(self._tails.values()):
            if tail.due(now):
                tail.apply_pending()

    def drain_all(self) -> None:
        deadline = time.monotonic() + _EXIT_DEADLINE
        for key in list(self._tails):
            self._tails.pop(key).drain(deadline)


def _read_commands(source: IO[str], commands: queue.Queue[dict[str, Any] | None]) -> None:
    for line in source:
        line = line.strip()
        if line:
            try:
                commands.put(json.loads(line))
            except ValueError:
                continue
    commands.put(None)


def serve(source: IO[str], out: IO[str]) -> None:
    parent = os.getppid()
    server = Server(out)
    commands: queue.Queue[dict[str, Any] | None] = queue.Queue()
    threading.Thread(target=_read_commands, args=(source, commands), daemon=True).start()
    server.send({"event": "ready"})
    while True:
        try:
            command = commands.get(timeout=_POLL)
        except queue.Empty:
            command = {}
        if command is None or server.parent_gone or os.getppid() != parent:
            server.drain_all()
            return
        if command:
            try:
                server.handle(command)
            except Exception as exc:
                server.send({"event": "warn", "key": str(command.get("key")),
                             "topic": "applier", "message": f"cairn: the applier failed on "
                             f"{command.get('op')}: {exc!r}"})
                if "id" in command:
                    server.send({"id": command["id"], "ok": False})
        server.tick()


def main() -> None:
    # Ctrl-C in a terminal reaches the whole process group: the parent decides what
    # happens, and this process goes on until the parent is gone.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warnings.simplefilter("ignore")  # every problem is reported to the parent instead
    serve(sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
