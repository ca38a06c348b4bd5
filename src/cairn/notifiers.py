"""Where alerts go: webhooks (Slack-compatible, Discord, generic JSON) and SMTP email.

Configured in settings (``notifiers``: a list of tables in the TOML settings file, or of
dicts in ``init(settings=...)``):

    [[notifiers]]
    type = "slack"          # slack | discord | webhook | email
    url = "https://hooks.slack.com/services/…"
    min_level = "WARN"      # optional: INFO (default), WARN or ERROR

    [[notifiers]]
    type = "email"
    smtp_host = "smtp.example.com"
    smtp_port = 587
    starttls = true         # or ssl = true
    username = "…"          # optional
    password = "…"
    from = "cairn@example.com"
    to = ["me@example.com"]

Each notifier has its own thread and queue, so a slow or dead receiver delays only its
own alerts and never the training loop. A failed send (network error, timeout, HTTP 5xx
or 429, SMTP error) is retried with exponential backoff; every outcome is reported through
``on_result`` (the run records it, the UI shows it). A webhook URL is a secret: only its
host is ever shown.
"""

from __future__ import annotations

import json
import queue
import smtplib
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from typing import Any, Protocol

from cairn.limits import ALERT_LEVELS as LEVELS

NOTIFIER_TYPES = ("slack", "discord", "webhook", "email")
_LEVEL_RANK = {level: i for i, level in enumerate(LEVELS)}
_DISCORD_COLOURS = {"INFO": 0x1C7ED6, "WARN": 0xF08C00, "ERROR": 0xE03131}
_SLACK_MARKS = {"INFO": ":information_source:", "WARN": ":warning:", "ERROR": ":rotating_light:"}

Result = Callable[[dict[str, Any]], None]


class PermanentError(Exception):
    """A failure that retrying will not fix (a 4xx answer other than 429)."""


def check_notifiers(value: Any) -> tuple[dict[str, Any], ...]:
    """Validated notifier tables; ValueError naming the one at fault."""
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list | tuple):
        raise ValueError("must be a list of tables, each with a 'type'")
    out = []
    for i, raw in enumerate(value):
        if not isinstance(raw, Mapping):
            raise ValueError(f"notifier {i}: must be a table; got {raw!r}")
        table = dict(raw)
        kind = table.get("type")
        if kind not in NOTIFIER_TYPES:
            raise ValueError(f"notifier {i}: type must be one of {', '.join(NOTIFIER_TYPES)}; "
                             f"got {kind!r}")
        level = str(table.get("min_level", "INFO")).upper()
        if level not in LEVELS:
            raise ValueError(f"notifier {i}: min_level must be one of {', '.join(LEVELS)}")
        table["min_level"] = level
        if kind == "email":
            if not table.get("smtp_host") or not table.get("to"):
                raise ValueError(f"notifier {i}: email needs smtp_host and to")
            if isinstance(table["to"], str):
                table["to"] = [table["to"]]
        else:
            url = table.get("url")
            scheme = urllib.parse.urlsplit(url).scheme if isinstance(url, str) else ""
            if scheme not in ("http", "https"):
                raise ValueError(f"notifier {i}: {kind} needs an http(s) url")
        out.append(table)
    return tuple(out)


class Notifier(Protocol):
    name: str
    min_level: str

    def send(self, alert: Mapping[str, Any], run: Mapping[str, Any]) -> None: ...


def _describe(alert: Mapping[str, Any]) -> str:
    suppressed = alert.get("suppressed_before")
    extra = f" ({suppressed} more like it were suppressed)" if suppressed else ""
    return f"{alert['text']}{extra}"


class WebhookNotifier:
    def __init__(self, style: str, url: str, timeout: float, min_level: str) -> None:
        self.style = style
        self.url = url
        self.timeout = timeout
        self.min_level = min_level
        self.name = f"{style}:{urllib.parse.urlsplit(url).hostname}"

    def payload(self, alert: Mapping[str, Any], run: Mapping[str, Any]) -> dict[str, Any]:
        title, level = str(alert["title"]), str(alert["level"])
        if self.style == "slack":
            return {"text": f"{_SLACK_MARKS[level]} *[{level}] {title}*\n{_describe(alert)}\n"
                            f"<{run['url']}|{run['name']}> ({run['path']})"}
        if self.style == "discord":
            return {"username": "cairn", "embeds": [{
                "title": f"[{level}] {title}"[:256], "description": _describe(alert)[:4000],
                "color": _DISCORD_COLOURS[level], "url": run["url"],
                "footer": {"text": f"{run['name']} ({run['path']})"}}]}
        return {"title": title, "text": alert["text"], "level": level, "at": alert["at"],
                "suppressed_before": alert.get("suppressed_before", 0), "run": dict(run)}

    def send(self, alert: Mapping[str, Any], run: Mapping[str, Any]) -> None:
        data = json.dumps(self.payload(alert, run)).encode()
        request = urllib.request.Request(self.url, data=data, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "cairn-alerts"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            if exc.code != 429 and exc.code < 500:
                raise PermanentError(f"HTTP {exc.code} {exc.reason}") from exc
            raise OSError(f"HTTP {exc.code} {exc.reason}") from exc


class EmailNotifier:
    def __init__(self, table: Mapping[str, Any], timeout: float) -> None:
        self.table = table
        self.timeout = timeout
        self.min_level = str(table["min_level"])
        self.name = f"email:{table['smtp_host']}"

    def message(self, alert: Mapping[str, Any], run: Mapping[str, Any]) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = f"[cairn] {alert['level']}: {alert['title']}"
        msg["From"] = str(self.table.get("from") or "cairn@localhost")
        msg["To"] = ", ".join(str(t) for t in self.table["to"])
        msg.set_content(f"{_describe(alert)}\n\nRun: {run['name']} ({run['path']})\n"
                        f"{run['url']}\n")
        return msg

    def send(self, alert: Mapping[str, Any], run: Mapping[str, Any]) -> None:
        t = self.table
        port = int(t.get("smtp_port") or (465 if t.get("ssl") else 25))
        smtp: smtplib.SMTP
        if t.get("ssl"):
            smtp = smtplib.SMTP_SSL(str(t["smtp_host"]), port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(str(t["smtp_host"]), port, timeout=self.timeout)
        with smtp:
            if t.get("starttls"):
                smtp.starttls(context=ssl.create_default_context())
            if t.get("username"):
                smtp.login(str(t["username"]), str(t.get("password") or ""))
            smtp.send_message(self.message(alert, run))


def build_notifiers(tables: tuple[dict[str, Any], ...], timeout: float) -> list[Notifier]:
    """The notifiers, each with a name of its own (``type:host``, then ``#2``, ``#3`` for
    more of the same): deliveries are recorded by name."""
    out: list[Notifier] = []
    seen: dict[str, int] = {}
    for table in tables:
        notifier: Notifier
        if table["type"] == "email":
            notifier = EmailNotifier(table, timeout)
        else:
            notifier = WebhookNotifier(str(table["type"]), str(table["url"]), timeout,
                                       str(table["min_level"]))
        seen[notifier.name] = count = seen.get(notifier.name, 0) + 1
        if count > 1:
            notifier.name = f"{notifier.name}#{count}"
        out.append(notifier)
    return out


class DeliveryWorker:
    """One notifier's queue and thread: send, retry with backoff, report each outcome."""

    def __init__(self, notifier: Notifier, run: Mapping[str, Any], on_result: Result,
                 attempts: int, backoff: float) -> None:
        self.notifier = notifier
        self._run = dict(run)
        self._on_result = on_result
        self._attempts = attempts
        self._backoff = backoff
        self._queue: queue.Queue[Mapping[str, Any] | None] = queue.Queue()
        self._hurry = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name=f"cairn-notify-{notifier.name}")
        self._thread.start()

    def submit(self, alert: Mapping[str, Any]) -> None:
        if _LEVEL_RANK[str(alert["level"])] >= _LEVEL_RANK[self.notifier.min_level]:
            self._queue.put(alert)

    def _loop(self) -> None:
        while True:
            alert = self._queue.get()
            if alert is None:
                return
            self._deliver(alert)

    def _deliver(self, alert: Mapping[str, Any]) -> None:
        error = ""
        for attempt in range(1, self._attempts + 1):
            try:
                self.notifier.send(alert, self._run)
            except PermanentError as exc:
                self._report(alert, "failed", attempt, str(exc))
                return
            except Exception as exc:  # network, timeout, 5xx, SMTP: worth another try
                error = f"{type(exc).__name__}: {exc}"
                if attempt < self._attempts:
                    self._report(alert, "retrying", attempt, error)
                    # Back off, unless the run is ending: then one quick last try.
                    self._hurry.wait(self._backoff * 2 ** (attempt - 1))
                    continue
            else:
                self._report(alert, "sent", attempt, None)
                return
        self._report(alert, "failed", self._attempts, error)

    def _report(self, alert: Mapping[str, Any], status: str, attempts: int,
                error: str | None) -> None:
        self._on_result({"key": alert["key"], "notifier": self.notifier.name, "status": status,
                         "attempts": attempts, "error": error, "at": time.time()})

    def stop_when_done(self) -> None:
        """End the thread once what is queued is delivered (retries keep their backoff)."""
        self._queue.put(None)

    def close(self, deadline: float) -> bool:
        """Deliver what is queued until ``deadline`` (monotonic); True if all went out."""
        self._queue.put(None)
        self._hurry.set()
        self._thread.join(timeout=max(0.0, deadline - time.monotonic()))
        return not self._thread.is_alive()
