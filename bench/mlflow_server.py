"""mlflow: cairn's team server against MLflow's tracking server, on one PostgreSQL.

One throwaway PostgreSQL server holds both: cairn's store in a schema of its own
(``cairn server --store postgresql://...``) and MLflow's in a database of its own
(``mlflow server --backend-store-uri postgresql+psycopg2://...``, its SQLAlchemy store),
both servers on 127.0.0.1 with the same number of workers. The same workloads then run
through each, cairn's in this interpreter, MLflow's in ``bench/.venv-mlflow`` (``make
bench-compare-setup``):

- ingest: ``clients`` processes, one run each, send a W3-shaped run (``steps`` x 10
  metrics of ``bench.curves``) as fast as the server answers; then half the clients at
  half the rate the full run reached, each batch on a schedule. cairn's batches are its
  WAL frames (``server_ingest.measure_once``); MLflow's are ``MlflowClient.log_batch``
  calls of 100 steps x 10 metrics, the most a request may carry (1,000 metrics), its
  fastest path. Points/s and the p50/p99 of each batch's acknowledgement.
- ``log()`` on the training side: cairn's ``run.log`` in ``mode="online"``; MLflow's
  ``mlflow.log_metrics(row, step=...)``, synchronous (one request a call) and with
  ``synchronous=False`` (a background queue); then ``finish()`` / ``end_run()``.
- W5: ``w5_runs`` runs of 100 steps x 5 metrics with a config and tags, one after
  another in one process (MLflow logging asynchronously, its faster way).
- log to readable: a single point logged, then read back through the server (cairn's
  ``Api(base_url=...)``, MLflow's ``get_metric_history``) until it is there; 20 points.

Everything is measured once, at the end of a run of the suite; medians are reported and
the load average is in the details (a load near the core count makes the ratios noisy).
Without the venv, PostgreSQL or with ``--no-compare``, MLflow is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.child import REPO_ROOT, run_child
from bench.context import BenchContext
from bench.figures import Figure, WorkloadResult, median, percentile

TITLE = "team server against MLflow's tracking server, both on one PostgreSQL"
SIZES = {"full": {"steps": 5_000, "clients": 8, "workers": 2, "log_steps": 500,
                  "w5_runs": 200, "live_points": 20},
         "quick": {"steps": 1_000, "clients": 2, "workers": 1, "log_steps": 50,
                   "w5_runs": 3, "live_points": 3}}
MLFLOW_VENV = "bench/.venv-mlflow"
MLFLOW_BATCH_STEPS = 100  # 100 steps x 10 metrics: log_batch's limit of 1,000 metrics
METRICS = 10


def _rows(steps: int, metrics: int = METRICS, seed: int = 0) -> list[dict[str, float]]:
    from bench.curves import TrainingCurves

    curves = TrainingCurves(steps, metrics, seed=seed)
    return [curves.row(s) for s in range(steps)]


def _latencies(values: list[float]) -> dict[str, float]:
    return {"median_us": median(values) * 1e6, "p99_us": percentile(values, 99) * 1e6}


# --- cairn ---------------------------------------------------------------------------


def measure_cairn(ingest_uri: str, runs_uri: str, steps: int, clients: int, workers: int,
                  log_steps: int, w5_runs: int, live_points: int) -> dict[str, Any]:
    import cairn
    from bench.server_ingest import make_records, measure_once
    from bench.w5_many_runs import log_runs
    from cairn.testing_server import ServerProcess, add_user

    folder = Path.cwd()
    records, points = make_records(folder / "client", steps)
    key = add_user(ingest_uri, "bench", admin=True)
    full = measure_once(ingest_uri, key, records, points, clients, 8, workers, "full")
    half = measure_once(ingest_uri, key, records, points, max(1, clients // 2), 8, workers,
                        "half", rate=full["points_per_s"] / 2)

    key = add_user(runs_uri, "bench", admin=True)
    server = ServerProcess(runs_uri, workers=workers)
    server.start()
    saved = dict(os.environ)
    try:
        os.environ.update({"CAIRN_MODE": "online", "CAIRN_BASE_URL": server.url,
                           "CAIRN_API_KEY": key, "CAIRN_DIR": str(folder / "online")})
        rows = _rows(log_steps)
        run = cairn.init(project="bench-log")
        spent = []
        for row in rows:
            t0 = time.perf_counter()
            run.log(row)
            spent.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        run.finish(quiet=True)
        logged = {**_latencies(spent), "finish_ms": (time.perf_counter() - t0) * 1000}

        log_runs(2, 100, 5)  # the first runs of a process pay for imports and set-up
        w5 = log_runs(w5_runs, 100, 5)

        run = cairn.init(project="bench-live")
        reader = cairn.Api(base_url=server.url, api_key=key)
        delays = []
        try:
            for step in range(live_points):
                t0 = time.perf_counter()
                run.log({"x": float(step)})
                while True:
                    with contextlib.suppress(cairn.errors.NotFoundError):
                        got, _ = reader.run(run.path).series("x")
                        if len(got) > 0 and int(got[-1]) == step:
                            break
                    time.sleep(0.01)
                delays.append(time.perf_counter() - t0)
                time.sleep(0.2)
        finally:
            reader.backend.close()
        run.finish(quiet=True)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()
    return {"version": cairn.__version__, "full": full, "half": half, "log": logged,
            "w5": w5, "live": {"median_s": median(delays), "max_s": max(delays)},
            "load_avg": os.getloadavg()}


# --- MLflow --------------------------------------------------------------------------


def _mlflow_client(args: tuple[str, str, list[list[Any]], Any, float]) -> list[float]:
    """``log_batch`` the batches one after another (``every`` > 0: batch i no earlier
    than ``i * every`` seconds after the start); each acknowledgement's seconds."""
    from mlflow import MlflowClient

    url, run_id, batches, start, every = args
    client = MlflowClient(tracking_uri=url)
    acks = []
    start.wait()
    began = time.perf_counter()
    for i, metrics in enumerate(batches):
        wait = began + i * every - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        t0 = time.perf_counter()
        client.log_batch(run_id, metrics=metrics, synchronous=True)
        acks.append(time.perf_counter() - t0)
    return acks


def _mlflow_ingest(url: str, experiment: str, steps: int, clients: int, tag: str,
                   rate: float = 0.0) -> dict[str, Any]:
    from mlflow import MlflowClient
    from mlflow.entities import Metric

    client = MlflowClient(tracking_uri=url)
    now = int(time.time() * 1000)
    rows = _rows(steps)
    work = []
    for c in range(clients):
        run_id = client.create_run(experiment, run_name=f"{tag}-{c}").info.run_id
        metrics = [Metric(k, v, now + s, s) for s, row in enumerate(rows) for k, v in row.items()]
        per = MLFLOW_BATCH_STEPS * METRICS
        work.append((run_id, [metrics[i:i + per] for i in range(0, len(metrics), per)]))
    points = steps * METRICS
    every = per * clients / rate if rate > 0 else 0.0
    ctx = multiprocessing.get_context("fork")
    with ctx.Manager() as manager:
        start = manager.Event()
        with ctx.Pool(clients) as pool:
            pending = pool.map_async(_mlflow_client, [(url, run_id, batches, start, every)
                                                      for run_id, batches in work])
            time.sleep(0.5)
            t0 = time.perf_counter()
            start.set()
            acks = pending.get()
            wall = time.perf_counter() - t0
    flat = [a for per_client in acks for a in per_client]
    stored = len(client.get_metric_history(work[0][0], next(iter(rows[0]))))
    return {"clients": clients, "points": points * clients, "wall_s": wall,
            "points_per_s": points * clients / wall, "batches": len(flat),
            "offered_points_per_s": rate or None, "ack_p50_ms": median(flat) * 1000,
            "ack_p99_ms": percentile(flat, 99) * 1000, "stored_steps_first_run": stored,
            "load_avg": os.getloadavg()[0]}


def measure_mlflow(db_uri: str, steps: int, clients: int, workers: int, log_steps: int,
                   w5_runs: int, live_points: int) -> dict[str, Any]:
    import socket

    import mlflow
    from mlflow import MlflowClient

    from bench.datasets import run_config, run_tags

    folder = Path.cwd()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    url = f"http://127.0.0.1:{port}"
    log = (folder / "mlflow-server.log").open("wb")
    t0 = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", db_uri,
         "--default-artifact-root", str(folder / "artifacts"), "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while True:
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{url}/health", timeout=2).read()
                break
            if server.poll() is not None:
                raise RuntimeError(f"mlflow server exited with {server.returncode}; see "
                                   f"{folder / 'mlflow-server.log'}")
            if time.perf_counter() - t0 > 400:
                raise RuntimeError("mlflow server did not answer /health in 400 s")
            time.sleep(0.5)
        startup = time.perf_counter() - t0
        client = MlflowClient(tracking_uri=url)
        experiment = client.create_experiment("bench-ingest")
        full = _mlflow_ingest(url, experiment, steps, clients, "full")
        half = _mlflow_ingest(url, experiment, steps, max(1, clients // 2), "half",
                              rate=full["points_per_s"] / 2)

        mlflow.set_tracking_uri(url)
        mlflow.set_experiment("bench-log")
        rows = _rows(log_steps)
        logged: dict[str, Any] = {}
        for mode, synchronous in (("sync", True), ("async", False)):
            mlflow.start_run(run_name=f"log-{mode}")
            spent = []
            for step, row in enumerate(rows):
                t0 = time.perf_counter()
                mlflow.log_metrics(row, step=step, synchronous=synchronous)
                spent.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            mlflow.end_run()
            logged[mode] = {**_latencies(spent), "finish_ms": (time.perf_counter() - t0) * 1000}

        mlflow.set_experiment("bench-w5")
        w5_rows = [_rows(100, 5, seed=r) for r in range(w5_runs)]
        t0 = time.perf_counter()
        for r in range(w5_runs):
            mlflow.start_run(run_name=f"r{r}")
            mlflow.log_params(run_config(r), synchronous=False)
            mlflow.set_tags({t: "1" for t in run_tags(r)}, synchronous=False)
            for step, row in enumerate(w5_rows[r]):
                mlflow.log_metrics(row, step=step, synchronous=False)
            mlflow.end_run()
        w5 = {"total_s": time.perf_counter() - t0}

        mlflow.set_experiment("bench-live")
        live: dict[str, Any] = {}
        for mode, synchronous in (("sync", True), ("async", False)):
            run = mlflow.start_run(run_name=f"live-{mode}")
            delays = []
            for step in range(live_points):
                t0 = time.perf_counter()
                mlflow.log_metric("x", float(step), step=step, synchronous=synchronous)
                while not any(m.step == step for m in
                              client.get_metric_history(run.info.run_id, "x")):
                    time.sleep(0.01)
                delays.append(time.perf_counter() - t0)
                time.sleep(0.2)
            mlflow.end_run()
            live[mode] = {"median_s": median(delays), "max_s": max(delays)}
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()
        log.close()
    return {"version": mlflow.__version__, "startup_s": startup, "full": full, "half": half,
            "log": logged, "w5": w5, "live": live, "load_avg": os.getloadavg()}


# --- the workload --------------------------------------------------------------------


def mlflow_python() -> tuple[str | None, str]:
    """MLflow's interpreter (with a PostgreSQL driver), or None and why not."""
    python = REPO_ROOT / MLFLOW_VENV / "bin" / "python"
    if not python.exists():
        return None, f"not installed (no {MLFLOW_VENV}; make bench-compare-setup)"
    probe = subprocess.run([str(python), "-c", "import mlflow.server, psycopg2; "
                            "print(mlflow.__version__)"],
                           capture_output=True, text=True, timeout=120, check=False)
    if probe.returncode != 0:
        return None, f"{MLFLOW_VENV} cannot import mlflow.server and psycopg2"
    return str(python), probe.stdout.strip()


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    import psycopg

    from cairn.testing_postgres import TemporaryPostgres, postgres_bin

    result = WorkloadResult("mlflow", TITLE, sizes)
    if postgres_bin() is None:
        result.skipped["all"] = "PostgreSQL is not installed"
        return result
    python, why = (None, "skipped (--no-compare)") if not ctx.comparing else mlflow_python()
    postgres = TemporaryPostgres().start()
    try:
        result.details["load_avg_start"] = os.getloadavg()
        uris = [postgres.uri(schema=postgres.new_schema()) for _ in range(2)]
        ours = ctx.child("bench.mlflow_server:measure_cairn",
                         {"ingest_uri": uris[0], "runs_uri": uris[1], **sizes}, "mlflow-cairn")
        theirs = None
        if python is not None:
            with psycopg.connect(postgres.uri(), autocommit=True) as conn:
                conn.execute("CREATE DATABASE mlflow")
            db_uri = postgres.uri("mlflow").replace("postgresql://", "postgresql+psycopg2://")
            theirs = run_child("bench.mlflow_server:measure_mlflow",
                               {"db_uri": db_uri, **sizes}, ctx.store("mlflow-mlflow"),
                               tracker="mlflow", python=python, timeout=1800)
        result.details["load_avg_end"] = os.getloadavg()
    finally:
        postgres.stop()
    result.details["cairn"] = ours
    result.add("cairn", *_figures(ours, "online", with_targets=True))
    if theirs is None:
        result.skipped["mlflow"] = why
        return result
    result.details["mlflow"] = theirs
    result.versions["mlflow"] = theirs["version"]
    result.add("mlflow", *_figures(theirs, "sync", with_targets=False))
    result.add("mlflow async", *_figures(theirs, "async", with_targets=False, only_async=True))
    result.versions["mlflow async"] = theirs["version"]
    stored = theirs["full"]["stored_steps_first_run"]
    if stored != sizes["steps"]:
        result.details["warning"] = f"mlflow stored {stored} of {sizes['steps']} steps"
    return result


def _figures(got: dict[str, Any], mode: str, with_targets: bool,
             only_async: bool = False) -> list[Figure]:
    def target(value: float) -> float | None:
        return value if with_targets else None

    log = got["log"] if mode == "online" else got["log"][mode]
    live = got["live"] if mode == "online" else got["live"][mode]
    timing = [
        Figure("log_median_us", "log() median", log["median_us"], "µs", target(3)),
        Figure("log_p99_us", "log() p99", log["p99_us"], "µs", target(30)),
        Figure("finish_ms", "finish() / end_run()", log["finish_ms"], "ms"),
        Figure("live_median_s", "log() to readable through the server, median",
               live["median_s"], "s", target(2)),
    ]
    if only_async:
        return [*timing, Figure("w5_s", "W5: runs one after another, async",
                                got["w5"]["total_s"], "s")]
    full, half = got["full"], got["half"]
    return [
        Figure("points_per_s", f"ingest points/s, {full['clients']} clients",
               full["points_per_s"], "pts/s", target(1_000_000), better="higher"),
        Figure("ack_p50_ms", "batch ack p50", full["ack_p50_ms"], "ms"),
        Figure("ack_p99_ms", "batch ack p99", full["ack_p99_ms"], "ms"),
        Figure("ack_p99_half_ms", f"batch ack p99 at half rate, {half['clients']} clients",
               half["ack_p99_ms"], "ms", target(100)),
        *timing,
        *([] if mode == "sync" else
          [Figure("w5_s", "W5: runs one after another", got["w5"]["total_s"], "s")]),
    ]
