"""The applier process: applies the WALs of one training process's runs to their stores.

Started by ``cairn.sinks.process`` as ``python -m cairn.sinks.applier_process``. Working in
its own process, it never competes with training for the interpreter lock: a CPU-bound
training loop neither slows it (live updates stay live) nor is slowed by it.

It talks to its parent in JSON lines. Commands on stdin::

    {"op": "watch",  "key": K, "wal": PATH, "root": DIR, "store": URI, "blobs": URI,
     "interval": S, "heartbeat_timeout": S, "busy_timeout": S, "retention": R}
    {"op": "flush",  "key": K, "id": N}               apply what is there now
    {"op": "finish", "key": K, "id": N, "timeout": S}  apply everything, then forget K
    {"op": "forget", "key": K}                         stop watching (the parent applied it)

and on stdout ``{"event": "ready"}``, ``{"id": N, "ok": bool}`` replies and
``{"event": "warn", "key": K, "topic": T, "message": M}``. ``finish`` is how a run is
handed off: the parent does not wait for the answer, and may exit before it. When stdin
closes or the parent dies, it still carries out every command the parent sent, applies
what every WAL holds and exits; what it could not apply stays in the WALs for
``cairn sync``. A finished run's WAL that reached its store whole is compacted after the
answer to ``finish`` (``retention``: the ``wal_retention`` setting, ``wal/compact.py``).

A run's backend comes as URIs (``store``, ``blobs``) and is opened here with
``cairn.backend.open_backend``: as the main module of its own process, this is the top of
that process's layers.
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
from typing import IO, TYPE_CHECKING, Any

from cairn.settings import Settings, shown_store
from cairn.sinks.base import Sink
from cairn.sinks.local import LocalSink
from cairn.sinks.tail import RETRIED as _RETRIED
from cairn.sinks.tail import WalTail

if TYPE_CHECKING:
    from cairn.backend import Backend

_POLL = 0.05
_EXIT_DEADLINE = 5.0
_RETRY = 0.2
"""Seconds between tries at a finished run's locked store (as ``WalTail.drain``)."""


class _SharedStores:
    """One open backend per store, shared by the runs that log there."""

    _Key = tuple[str, str, str, float, float]

    def __init__(self) -> None:
        self._backends: dict[_SharedStores._Key, tuple[Backend, int]] = {}

    def open(self, key: _Key, api_key: str | None = None) -> Sink:
        root, store_uri, blobs_uri, heartbeat_timeout, busy_timeout = key
        found = self._backends.get(key)
        if found is None:
            from cairn.backend import open_backend

            settings = Settings(root=Path(root), store=store_uri, blobs=blobs_uri,
                                heartbeat_timeout=heartbeat_timeout,
                                store_busy_timeout=busy_timeout, api_key=api_key)
            found = (open_backend(settings=settings), 0)
        backend, users = found
        self._backends[key] = (backend, users + 1)
        if store_uri.startswith(("http://", "https://")):
            # A server: each run's uploader has a connection of its own.
            return _Released(backend.sink(), lambda: self.release(key))
        return LocalSink(backend.store, backend.blobs, on_close=lambda: self.release(key))

    def release(self, key: _Key) -> None:
        backend, users = self._backends[key]
        if users <= 1:
            del self._backends[key]
            backend.close()
        else:
            self._backends[key] = (backend, users - 1)


class _Released:
    """A sink whose closing hands its backend back to ``_SharedStores``."""

    def __init__(self, sink: Sink, release: Any) -> None:
        self._sink = sink
        self._release = release

    def put_blobs(self, digests: Any, source: Any) -> list[str]:
        return self._sink.put_blobs(digests, source)

    def apply_records(self, records: Any) -> None:
        self._sink.apply_records(records)

    def close(self) -> None:
        try:
            self._sink.close()  # its own connection
        finally:
            self._release()


class Server:
    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._out_lock = threading.Lock()
        self._tails: dict[str, WalTail] = {}
        self._finishing: dict[str, _Finishing] = {}
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
            store_key = (root, str(command.get("store") or Settings(Path(root)).store),
                         str(command.get("blobs") or Settings(Path(root)).blobs),
                         float(command["heartbeat_timeout"]), float(command["busy_timeout"]))
            api_key = command.get("api_key")
            tail = WalTail(Path(command["wal"]),
                           lambda: self._stores.open(store_key, api_key),
                           float(command["interval"]), self._reporter(key),
                           retention=str(command.get("retention", "keep")),
                           store_name=shown_store(store_key[1], Path(root)))
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
            if found is None:
                self.send({"id": command["id"], "ok": False})
                return
            deadline = time.monotonic() + float(command.get("timeout", 30.0))
            self._finishing[key] = _Finishing(found, deadline, command["id"])
            self._finish_step(key, time.monotonic())

    def _finish_step(self, key: str, now: float) -> None:
        """One try at the rest of a finished run's WAL, as ``WalTail.drain`` would make
        them, but between the other runs' work: a locked store is retried until the
        deadline while the other runs go on."""
        finishing = self._finishing[key]
        if now < finishing.next_try:
            return
        tail = finishing.tail
        done = tail.apply_pending()
        retry = isinstance(tail.last_error, _RETRIED) and now < finishing.deadline
        if not done and retry:
            finishing.next_try = now + _RETRY
            return
        del self._finishing[key]
        tail.close_sink()
        self.send({"id": finishing.ident, "ok": done})
        if done:
            # After the answer and beside the other runs' applications; not a daemon, so
            # an exit waits for it to end.
            threading.Thread(target=tail.compact, name="cairn-wal-compact").start()

    def tick(self) -> None:
        now = time.monotonic()
        for tail in list(self._tails.values()):
            if tail.due(now):
                tail.apply_pending()
        for key in list(self._finishing):
            self._finish_step(key, now)

    def drain_all(self) -> None:
        deadline = time.monotonic() + _EXIT_DEADLINE
        for finishing in list(self._finishing.values()):
            ok = finishing.tail.drain(max(deadline, finishing.deadline))
            self.send({"id": finishing.ident, "ok": ok})
        self._finishing.clear()
        for key in list(self._tails):
            self._tails.pop(key).drain(deadline)


class _Finishing:
    """A run handed off at its ``finish()``: its tail, until when a locked store is
    retried, and the command to answer."""

    def __init__(self, tail: WalTail, deadline: float, ident: Any) -> None:
        self.tail = tail
        self.deadline = deadline
        self.ident = ident
        self.next_try = 0.0


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
        if command:
            _handle(server, command)
        if command is None or server.parent_gone or os.getppid() != parent:
            if command is not None:
                _handle_rest(server, commands)
            server.drain_all()
            return
        server.tick()


def _handle(server: Server, command: dict[str, Any]) -> None:
    try:
        server.handle(command)
    except Exception as exc:
        server.send({"event": "warn", "key": str(command.get("key")), "topic": "applier",
                     "message": f"cairn: the applier failed on {command.get('op')}: {exc!r}"})
        if "id" in command:
            server.send({"id": command["id"], "ok": False})


def _handle_rest(server: Server, commands: queue.Queue[dict[str, Any] | None]) -> None:
    """The parent is gone: carry out what it sent before it went (a run it finished just
    before exiting is handed off here), until the end of its pipe."""
    deadline = time.monotonic() + _EXIT_DEADLINE
    while time.monotonic() < deadline:
        try:
            command = commands.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return
        if command is None:
            return
        _handle(server, command)


def main() -> None:
    # Ctrl-C in a terminal reaches the whole process group: the parent decides what
    # happens, and this process goes on until the parent is gone.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warnings.simplefilter("ignore")  # every problem is reported to the parent instead
    serve(sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
