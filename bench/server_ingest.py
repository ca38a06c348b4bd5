"""server: ingest through one ``cairn server`` instance from several clients at once.

The batches are a W3-shaped run's own WAL records (``steps`` x 10 metrics, logged offline
once by the parent and read back), relabelled as one run per client, cut into batches of
about ``batch_bytes`` bytes of frames and zstd-compressed as the uploader does
(``sinks/upload.encode_batches``, 1 MiB by default) before the clock starts: cut by bytes,
not by records, because how many points a WAL record holds depends on how fast the run
logged them, which would make the batches (and their acknowledgement times) differ from one
machine, or one run of the benchmark, to the next. Each client is a process that POSTs its
batches to ``/api/v1/ingest`` one after another over one kept-alive connection, timing each
acknowledgement; the server runs ``workers`` worker processes over an embedded store (and
over PostgreSQL when its binaries are installed). Points/s is every client's points over
the wall time from the first request to the last answer; then the same again at half the
clients sending at half the rate the full run reached (each batch on a schedule, as
training produces them, instead of as fast as the server answers): the p99 of those
acknowledgements is the figure the issue bounds. Server CPU seconds are counted too (its
process and workers), so points per server CPU-second can be read apart from a machine
shared with other work.

Also the delay from ``log()`` to the point being readable through the server (as an
open chart reads it), W2 in ``mode="online"``: ``log()`` latency of a run whose
applier uploads to a server (the network is never on ``log()``'s path), and W5's 200
runs logged one after another, locally and then online.

Server and clients share the machine's cores, so a figure here is a floor for a server on
a machine of its own.
"""

from __future__ import annotations

import contextlib
import http.client
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

from bench.context import BenchContext
from bench.figures import Figure, WorkloadResult, median, percentile

TITLE = "server: WAL-batch ingest through one cairn server from several clients"
SIZES = {"full": {"steps": 100_000, "clients": 8, "batch_bytes": 1 << 20, "workers": 2,
                  "w5_runs": 200},
         "quick": {"steps": 5_000, "clients": 2, "batch_bytes": 1 << 18, "workers": 1,
                   "w5_runs": 3}}


def make_records(folder: Path, steps: int) -> tuple[list[Any], int]:
    """A W3-shaped offline run's records, and how many history points they hold."""
    import cairn
    from bench.curves import TrainingCurves
    from cairn.records import decode_history
    from cairn.wal.reader import WalReader

    os.environ.update({"CAIRN_DIR": str(folder), "CAIRN_SILENT": "true",
                       "CAIRN_DISABLE_GIT": "true", "CAIRN_SAVE_REQUIREMENTS": "false"})
    curves = TrainingCurves(steps, 10)
    run = cairn.init(project="bench-server", mode="offline")
    for step in range(steps):
        run.log(curves.row(step))
    run.finish(quiet=True)
    records = WalReader(run.wal_path).read()
    points = sum(len(c.values) for r in records if r.kind == "history"
                 for c in decode_history(r.body)[0].values())
    return records, points


def encoded_batches(records: list[Any], client: int, batch_bytes: int
                    ) -> list[tuple[bytes, str | None]]:
    from cairn.records import Record, RunRef
    from cairn.sinks.upload import compress, encode_batches

    run = RunRef("bench", "bench-server", f"client-{client}")
    mine = [Record(run, "s", r.seq, r.kind, r.body) for r in records]
    return [compress(batch) for batch in encode_batches(run, "s", mine, batch_bytes)]


def _client(args: tuple[str, int, str, list[tuple[bytes, str | None]], Any, float]
            ) -> list[float]:
    """POST the batches one after another (``every`` > 0: batch i no earlier than
    ``i * every`` seconds after the start); each acknowledgement's seconds."""
    host, port, key, batches, start, every = args
    conn = http.client.HTTPConnection(host, port, timeout=120)
    headers = {"Content-Type": "application/vnd.cairn.wal", "Authorization": f"Bearer {key}"}
    acks = []
    start.wait()
    began = time.perf_counter()
    for i, (body, encoding) in enumerate(batches):
        sent = {**headers, "Content-Encoding": encoding} if encoding else headers
        wait = began + i * every - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        t0 = time.perf_counter()
        conn.request("POST", "/api/v1/ingest", body=body, headers=sent)
        answer = conn.getresponse()
        text = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"ingest answered {answer.status}: {text[:300]!r}")
        acks.append(time.perf_counter() - t0)
    conn.close()
    return acks


def _cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its descendants (the server and its workers); 0
    where psutil is missing."""
    try:
        import psutil
    except ImportError:
        return 0.0
    total = 0.0
    try:
        parent = psutil.Process(pid)
        for proc in [parent, *parent.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                total += times.user + times.system
    except psutil.Error:
        pass
    return total


def measure_once(store: str, key: str, records: list[Any], points: int, clients: int,
                 batch_bytes: int, workers: int, tag: str, rate: float = 0.0
                 ) -> dict[str, Any]:
    """One ingest run; ``rate`` > 0: the clients together offer that many points/s."""
    from cairn.testing_server import ServerProcess

    server = ServerProcess(store, workers=workers)
    startup = server.start()
    assert server.process is not None
    try:
        work = [encoded_batches(records, i if tag == "full" else 100 + i, batch_bytes)
                for i in range(clients)]
        batch_points = points / max(1, len(work[0]))
        every = batch_points * clients / rate if rate > 0 else 0.0
        ctx = multiprocessing.get_context("fork")
        with ctx.Manager() as manager:
            start = manager.Event()
            with ctx.Pool(clients) as pool:
                pending = pool.map_async(_client, [("127.0.0.1", server.port, key, batches,
                                                    start, every) for batches in work])
                time.sleep(0.5)
                cpu0 = _cpu_seconds(server.process.pid)
                t0 = time.perf_counter()
                start.set()
                acks = pending.get()
                wall = time.perf_counter() - t0
                cpu = _cpu_seconds(server.process.pid) - cpu0
    finally:
        server.stop()
    flat = [a for per in acks for a in per]
    return {"clients": clients, "points": points * clients, "wall_s": wall,
            "points_per_s": points * clients / wall, "batches": len(flat),
            "batch_points": batch_points, "offered_points_per_s": rate or None,
            "server_cpu_s": cpu,
            "points_per_server_cpu_s": points * clients / cpu if cpu > 0 else None,
            "ack_p50_ms": median(flat) * 1000, "ack_p99_ms": percentile(flat, 99) * 1000,
            "startup_s": startup, "load_avg": os.getloadavg()[0]}


def online_log_latency(folder: Path, steps: int) -> dict[str, Any]:
    """W2's measurement (``log()`` latency, 10 metrics a step, then ``finish()``) of a run
    in ``mode="online"`` logging to a server over an embedded folder: the network must
    not be on ``log()``'s path."""
    from bench.w2_log_latency import measure as w2
    from cairn.testing_server import ServerProcess, add_user

    team = folder / "online-team"
    key = add_user(str(team), "bench")
    server = ServerProcess(str(team))
    server.start()
    saved = dict(os.environ)
    try:
        # CAIRN_STORE: W2 reads the points back with a local Api, from the server's folder.
        os.environ.update({"CAIRN_MODE": "online", "CAIRN_BASE_URL": server.url,
                           "CAIRN_API_KEY": key, "CAIRN_DIR": str(folder / "online-client"),
                           "CAIRN_STORE": str(team)})
        return w2("cairn", steps, 10)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()


def many_runs_online(folder: Path, runs: int) -> dict[str, Any]:
    """W5's logging (``runs`` runs of 100 steps x 5 metrics one after another in one
    process) in local mode, then in ``mode="online"`` to a server over an embedded folder:
    seconds each, and their ratio."""
    from bench.w5_many_runs import log_runs
    from cairn.testing_server import ServerProcess, add_user

    team = folder / "w5-team"
    key = add_user(str(team), "bench")
    saved = dict(os.environ)
    server = ServerProcess(str(team))
    try:
        os.environ["CAIRN_DIR"] = str(folder / "w5-warmup")
        log_runs(2, 100, 5)  # the first runs of a process pay for imports and set-up
        os.environ["CAIRN_DIR"] = str(folder / "w5-local")
        local = log_runs(runs, 100, 5)
        server.start()
        os.environ.update({"CAIRN_MODE": "online", "CAIRN_BASE_URL": server.url,
                           "CAIRN_API_KEY": key, "CAIRN_DIR": str(folder / "w5-online")})
        online = log_runs(runs, 100, 5)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()
    return {"runs": runs, "local": local, "online": online,
            "ratio": online["total_s"] / local["total_s"]}


def live_latency(folder: Path, points: int = 20) -> dict[str, Any]:
    """From ``log()`` to the point being readable through the server (what an open chart
    fetches), for ``points`` single points a moment apart: seconds, median and max."""
    import cairn
    from cairn.testing_server import ServerProcess, add_user

    team = folder / "live-team"
    key = add_user(str(team), "bench")
    server = ServerProcess(str(team))
    server.start()
    saved = dict(os.environ)
    delays = []
    try:
        os.environ.update({"CAIRN_DIR": str(folder / "live-client")})
        run = cairn.init(project="bench-live", mode="online",
                         settings={"base_url": server.url, "api_key": key})
        reader = cairn.Api(base_url=server.url, api_key=key)
        try:
            for step in range(points):
                started = time.perf_counter()
                run.log({"x": float(step)})
                while True:
                    try:
                        steps, _ = reader.run(run.path).series("x")
                    except cairn.errors.NotFoundError:
                        steps = []
                    if len(steps) > 0 and int(steps[-1]) == step:
                        break
                    time.sleep(0.01)
                delays.append(time.perf_counter() - started)
                time.sleep(0.2)
        finally:
            reader.backend.close()
        run.finish(quiet=True)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()
    return {"median_s": median(delays), "max_s": max(delays)}


def measure(scratch: str, steps: int, clients: int, batch_bytes: int,
            workers: int, w5_runs: int, postgres_uri: str | None = None) -> dict[str, Any]:
    from cairn.testing_server import add_user

    folder = Path(scratch)
    records, points = make_records(folder / "client", steps)
    out: dict[str, Any] = {"points_per_client": points,
                           "online_w2": online_log_latency(folder, min(steps, 10_000)),
                           "live": live_latency(folder),
                           "w5": many_runs_online(folder, w5_runs)}
    stores = {"sqlite": str(folder / "team")}
    if postgres_uri:
        stores["postgresql"] = postgres_uri
    for name, store in stores.items():
        key = add_user(store, "bench", admin=True)
        full = measure_once(store, key, records, points, clients, batch_bytes,
                            workers, "full")
        half = measure_once(store, key, records, points, max(1, clients // 2),
                            batch_bytes, workers, "half",
                            rate=full["points_per_s"] / 2)
        out[name] = {"full": full, "half": half}
    return out


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    from cairn.testing_postgres import TemporaryPostgres, postgres_bin

    result = WorkloadResult("server", TITLE, sizes)
    postgres = TemporaryPostgres().start() if postgres_bin() is not None else None
    try:
        uri = postgres.uri(schema=postgres.new_schema()) if postgres else None
        got = ctx.child("bench.server_ingest:measure",
                        {"scratch": str(ctx.store("server")), "postgres_uri": uri, **sizes},
                        "server")
    finally:
        if postgres is not None:
            postgres.stop()
    result.details["cairn"] = got
    w2 = got["online_w2"]
    result.add("cairn (online log)",
               Figure("log_median_us", "log() median, mode=online", w2["median_us"], "µs", 3),
               Figure("log_p99_us", "log() p99, mode=online", w2["p99_us"], "µs", 30),
               Figure("finish_ms", "finish() until on the server", w2["finish_ms"], "ms"),
               Figure("live_median_s", "log() to readable through the server, median",
                      got["live"]["median_s"], "s", 2),
               Figure("live_max_s", "log() to readable through the server, max",
                      got["live"]["max_s"], "s"),
               Figure("w5_online_ratio", f"W5 ({got['w5']['runs']} runs) online / local",
                      got["w5"]["ratio"], "x", 2),
               Figure("w5_online_s", f"W5 ({got['w5']['runs']} runs) online",
                      got["w5"]["online"]["total_s"], "s"),
               Figure("w5_local_s", f"W5 ({got['w5']['runs']} runs) local",
                      got["w5"]["local"]["total_s"], "s"))
    for name in ("sqlite", "postgresql"):
        if name not in got:
            result.skipped[name] = "PostgreSQL is not installed"
            continue
        full, half = got[name]["full"], got[name]["half"]
        result.add(
            f"cairn ({name})",
            Figure("points_per_s", f"points/s, {full['clients']} clients",
                   full["points_per_s"], "pts/s", 1_000_000, better="higher"),
            Figure("ack_p99_half_ms", f"p99 batch ack at half that rate, "
                   f"{half['clients']} clients", half["ack_p99_ms"], "ms", 100),
            Figure("points_per_server_cpu_s", "points per server CPU-second",
                   full["points_per_server_cpu_s"], "pts/s", better="higher"),
            Figure("ack_p99_ms", f"p99 batch ack, {full['clients']} clients",
                   full["ack_p99_ms"], "ms"),
            Figure("startup_s", "server start to /healthz", full["startup_s"], "s", 5))
    return result
