"""``run.alert()``: validate, throttle per title, record, and hand to the notifiers.

    run.alert(title, text, level, wait_duration)
        │ validate (ValueError naming what is wrong)
        │ throttle: the same title within wait_duration of the last one sent is suppressed
        │           and counted (an ``alert`` record that adds to the sent one's count)
        ▼
    ``alert`` record (WAL: the source of truth) ──▶ store ──▶ UI (run page, project feed)
        └──▶ notifiers (``notifiers.py``: background threads, retries with backoff); each
             outcome is an ``alert_delivery`` record, so failures show in the UI.
"""

from __future__ import annotations

import math
import os
import threading
import time
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from cairn.limits import ALERT_LEVELS, ALERT_TEXT_CHARS, ALERT_TITLE_CHARS, check_alert_title
from cairn.records import alert_body
from cairn.sdk.writer import Op

if TYPE_CHECKING:
    from cairn.notifiers import DeliveryWorker
    from cairn.sdk.run import Run

DEFAULT_WAIT = 60.0


class AlertLevel(StrEnum):
    """How serious an alert is (wandb's ``AlertLevel``)."""

    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"


LEVELS = ALERT_LEVELS


def check_level(level: Any) -> str:
    if level is None:
        return AlertLevel.INFO.value
    if isinstance(level, AlertLevel):
        return level.value
    if isinstance(level, str) and level.upper() in LEVELS:
        return level.upper()
    raise ValueError(f"alert level must be one of {', '.join(LEVELS)} (or cairn.AlertLevel); "
                     f"got {level!r}")


def check_wait(wait_duration: Any) -> float:
    """Seconds to wait before another alert with the same title (default one minute)."""
    if wait_duration is None:
        return DEFAULT_WAIT
    if callable(getattr(wait_duration, "total_seconds", None)):  # a timedelta
        seconds = float(wait_duration.total_seconds())
    elif isinstance(wait_duration, int | float) and not isinstance(wait_duration, bool):
        seconds = float(wait_duration)
    else:
        raise ValueError(f"alert wait_duration must be seconds (int or float) or a "
                         f"timedelta; got {wait_duration!r}")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"alert wait_duration must be zero or more seconds; got "
                         f"{wait_duration!r}")
    return seconds


def check_alert(title: Any, text: Any, level: Any, wait_duration: Any,
                ) -> tuple[str, str, str, float]:
    title = check_alert_title(title)
    if not isinstance(text, str):
        raise ValueError(f"alert text must be a string; got {type(text).__name__}")
    if len(text) > ALERT_TEXT_CHARS:
        raise ValueError(f"alert text must be at most {ALERT_TEXT_CHARS} characters; got "
                         f"{len(text)}")
    return title, text, check_level(level), check_wait(wait_duration)


class AlertThrottle:
    """Per title: when the last alert was sent, its key (suppressed ones count there), and
    how many were suppressed since (the next one sent says so to the notifiers)."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[float, str]] = {}
        self._suppressed: dict[str, int] = {}
        self._lock = threading.Lock()

    def admit(self, title: str, wait: float, now: float) -> tuple[bool, str, int]:
        """``(send, key, suppressed before)``: whether to send, the key of the alert it is
        (a new key) or is counted against (the last one sent), and for one to send, how
        many of its title were suppressed since the last one sent."""
        with self._lock:
            last = self._last.get(title)
            if last is not None and now - last[0] < wait:
                self._suppressed[title] = self._suppressed.get(title, 0) + 1
                return False, last[1], 0
            key = os.urandom(8).hex()
            self._last[title] = (now, key)
            return True, key, self._suppressed.pop(title, 0)


FINISH_WAIT = 10.0
"""Seconds ``finish()`` waits for queued alerts to be delivered."""


class RunAlerts:
    """The alerts of one run: throttling, records, and the notifiers' delivery threads
    (started on the first alert that needs them)."""

    def __init__(self, run: Run) -> None:
        self._run = run
        self._throttle = AlertThrottle()
        self._workers: list[DeliveryWorker] | None = None
        self._lock = threading.Lock()
        self._closed = False

    def alert(self, title: Any, text: Any, level: Any = None,
              wait_duration: Any = None) -> None:
        title, text, level, wait = check_alert(title, text, level, wait_duration)
        send, key, suppressed_before = self._throttle.admit(title, wait, time.time())
        if not send:
            self._run._queue(Op("alert", {"key": key, "suppressed": 1, "at": time.time()}))
            return
        body = alert_body(key, title, text, level, wait)
        if suppressed_before:
            body["suppressed_before"] = suppressed_before
        self._run._queue(Op("alert", body))
        for worker in self._delivery():
            worker.submit(body)

    def _delivery(self) -> list[DeliveryWorker]:
        with self._lock:
            if self._workers is None:
                from cairn.notifiers import DeliveryWorker, build_notifiers

                s = self._run.settings
                run_info = {"path": self._run.path, "name": self._run.name,
                            "id": self._run.id, "entity": self._run.entity,
                            "project": self._run.project, "url": self._run.url}
                self._workers = [
                    DeliveryWorker(n, run_info, self._on_result, s.alert_retries + 1,
                                   s.alert_backoff)
                    for n in build_notifiers(s.notifiers, s.alert_timeout)]
            return self._workers

    def _on_result(self, outcome: dict[str, Any]) -> None:
        if not self._closed:
            self._run._queue(Op("alert_delivery", outcome))

    def close(self, state: str, exit_code: int) -> None:
        """Send the automatic alert for how the run ended (``alert_on``), then wait a
        while for queued alerts to go out."""
        if state in self._run.settings.alert_on:
            level = "INFO" if state == "finished" else "ERROR"
            self.alert(f"Run {state}: {self._run.name}"[:ALERT_TITLE_CHARS],
                       f"Run {self._run.path} {state} (exit code {exit_code}).", level, 0)
        workers = self._workers or []
        deadline = time.monotonic() + FINISH_WAIT
        for worker in workers:
            if not worker.close(deadline):
                self._run._warn("alerts-pending", f"cairn: alerts to {worker.notifier.name} "
                                "were still being delivered when the run ended")
        self._closed = True
