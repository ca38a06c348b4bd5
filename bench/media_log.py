"""media: what logging a 256x256 RGB image each step adds to the ``log()`` call (goal: at
most 200 µs), against the same loop logging only the scalars.

Each step logs ``{"img": cairn.Image(pixels), "loss": x}`` with different pixels every
step (so every image is encoded and stored: nothing is deduplicated). Two figures: the
``log()`` call alone (the Image built before the timer), and ``Image(...)`` plus ``log()``
together, which is what the user's line costs (the pixels are copied at construction; the
PNG is made in the writer thread), and the same for float pixels in [0, 1] (scaled to
bytes in the writer thread too). ``finish()`` is timed until every image is in the blob
store and every row in the store.
"""

from __future__ import annotations

import time
from typing import Any

from bench.context import BenchContext
from bench.figures import Figure, WorkloadResult, median

TITLE = "media: log() with a 256x256 RGB image each step"
SIZES = {"full": {"steps": 400, "reps": 3}, "quick": {"steps": 10, "reps": 1}}


def measure(steps: int, reps: int) -> dict[str, Any]:
    import numpy as np

    import cairn

    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (256, 256, 3), dtype=np.uint8) for _ in range(8)]
    pc = time.perf_counter_ns
    floats = [f.astype(np.float64) / 255 for f in frames]  # [0, 1]: what models output
    out: dict[str, list[float]] = {"scalar_us": [], "image_us": [], "built_us": [],
                                   "float_built_us": [], "finish_ms": []}
    for _ in range(reps):
        run = cairn.init(project="bench-media")
        run.log({"loss": 0.0})
        time.sleep(0.5)  # steady state: the applier has started
        scalar, image, built, float_built = [], [], [], []
        for step in range(steps):
            t0 = pc()
            run.log({"loss": float(step)})
            scalar.append(pc() - t0)
            pixels = frames[step % len(frames)].copy()
            pixels[0, 0, 0] = step % 256  # a new image each step: nothing deduplicated
            pixels[0, 0, 1] = step // 256
            img = cairn.Image(pixels)
            t0 = pc()
            run.log({"img": img, "loss": float(step)})
            image.append(pc() - t0)
            t0 = pc()
            run.log({"img": cairn.Image(pixels), "loss": float(step)})
            built.append(pc() - t0)
            shade = floats[step % len(floats)]
            t0 = pc()
            run.log({"img": cairn.Image(shade), "loss": float(step)})
            float_built.append(pc() - t0)
        t0 = pc()
        run.finish()
        out["finish_ms"].append((pc() - t0) / 1e6)
        out["scalar_us"].append(median(scalar) / 1000)
        out["image_us"].append(median(image) / 1000)
        out["built_us"].append(median(built) / 1000)
        out["float_built_us"].append(median(float_built) / 1000)
        stored = list(cairn.Api().run(run.path).scan_history(keys=["img"]))
        if len(stored) != 3 * steps or any(r["img"] is None for r in stored):
            out.setdefault("warnings", []).append(f"{len(stored)} of {3 * steps} images stored")
    return out


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("media", TITLE, sizes)
    m = ctx.child("bench.media_log:measure", dict(sizes), "media")
    scalar = median(m["scalar_us"])
    result.add(
        "cairn",
        Figure("image_log_added_us", "log() with an image, added over scalars (median)",
               median(m["image_us"]) - scalar, "µs", 200),
        Figure("image_built_and_logged_added_us",
               "Image(pixels) + log(), added over scalars (median)",
               median(m["built_us"]) - scalar, "µs"),
        Figure("float_image_built_and_logged_added_us",
               "Image(float pixels in [0, 1]) + log(), added over scalars (median)",
               median(m["float_built_us"]) - scalar, "µs", 200),
        Figure("scalar_log_us", "log() of the scalar alone (median)", scalar, "µs"),
        Figure("finish_ms", "finish() until every image is stored", median(m["finish_ms"]),
               "ms"),
    )
    result.details = m
    return result
