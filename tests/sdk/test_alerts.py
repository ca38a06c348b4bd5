"""``run.alert``: validation, throttling, storage, and delivery to real receivers on
127.0.0.1: a webhook server that records posts (one answering 500 first, one that is
slow, one that is gone) and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import cairn
from cairn.errors import SettingsError
from cairn.settings import load_settings


class Receiver:
    """A webhook receiver: ``/ok`` answers 204, ``/flaky`` 500 then 204, ``/broken``
    always 500, ``/gone`` 404, ``/slow`` waits for ``release`` first."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.release = threading.Event()
        self.slow_arrived = threading.Event()
        self._flaky_seen = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.posts.append((self.path, body))
                status = 204
                if self.path == "/slow":
                    receiver.slow_arrived.set()
                    receiver.release.wait(30)
                elif self.path == "/flaky":
                    receiver._flaky_seen += 1
                    status = 500 if receiver._flaky_seen == 1 else 204
                elif self.path == "/broken":
                    status = 500
                elif self.path == "/gone":
                    status = 404
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self, path: str) -> list[dict[str, Any]]:
        return [body for p, body in self.posts if p == path]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def quick(notifiers: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    return {"notifiers": notifiers, "alert_backoff": 0.05, "alert_retries": 2,
            "alert_timeout": 2, "console": "off", "system_interval": 0, **more}


def test_bad_alerts_raise_and_name_what_is_wrong() -> None:
    run = cairn.init(project="alerts", settings={"console": "off"})
    with pytest.raises(ValueError, match="shorter than 64"):
        run.alert("x" * 64, "text")
    run.alert("x" * 63, "fine")
    with pytest.raises(ValueError, match="level must be one of INFO, WARN, ERROR"):
        run.alert("t", "text", level="CRITICAL")
    with pytest.raises(ValueError, match="wait_duration"):
        run.alert("t", "text", wait_duration=-1)
    with pytest.raises(ValueError, match="wait_duration"):
        run.alert("t", "text", wait_duration="soon")
    with pytest.raises(ValueError, match="wait_duration"):
        run.alert("t", "text", wait_duration=float("nan"))
    with pytest.raises(ValueError, match="title"):
        run.alert("", "text")
    with pytest.raises(ValueError, match="text must be a string"):
        run.alert("t", None)  # type: ignore[arg-type]
    run.finish()
    assert [a.title for a in cairn.Api().run(run.path).alerts()] == ["x" * 63]
    with pytest.raises(cairn.Error, match=r"cairn.init\(\)"):
        cairn.alert("t", "text")


def test_the_same_title_is_throttled_and_counted() -> None:
    run = cairn.init(project="alerts", settings={"console": "off"})
    cairn.alert("loss spike", "loss 9.1", level=cairn.AlertLevel.WARN)
    for _ in range(3):
        run.alert("loss spike", "again", level="WARN")  # default wait: one minute
    run.alert("nan", "loss is nan", level="error", wait_duration=timedelta(seconds=0))
    run.alert("nan", "still nan", level="ERROR", wait_duration=0)
    run.finish()
    alerts = cairn.Api().run(run.path).alerts()
    assert [(a.title, a.text, a.level, a.suppressed) for a in alerts] == [
        ("nan", "still nan", "ERROR", 0), ("nan", "loss is nan", "ERROR", 0),
        ("loss spike", "loss 9.1", "WARN", 3)]


def test_webhooks_get_slack_discord_and_json_payloads(receiver: Receiver) -> None:
    run = cairn.init(project="alerts", name="resnet", settings=quick([
        {"type": "slack", "url": receiver.url + "/ok"},
        {"type": "discord", "url": receiver.url + "/ok"},
        {"type": "webhook", "url": receiver.url + "/ok", "min_level": "WARN"},
    ]))
    run.alert("started", "all good")  # INFO: not for the WARN-level webhook
    run.alert("diverged", "loss is nan", level="ERROR")
    run.finish()
    bodies = receiver.bodies("/ok")
    slack = [b for b in bodies if "text" in b and "title" not in b]
    discord = [b for b in bodies if "embeds" in b]
    generic = [b for b in bodies if "title" in b]
    assert len(slack) == 2
    assert sorted("*[ERROR] diverged*" in b["text"] for b in slack) == [False, True]
    assert {e["embeds"][0]["title"] for e in discord} == {"[INFO] started", "[ERROR] diverged"}
    assert len(generic) == 1
    assert generic[0]["level"] == "ERROR"
    assert generic[0]["run"]["path"] == run.path
    assert generic[0]["run"]["name"] == "resnet"
    (alert, *_) = cairn.Api().run(run.path).alerts()
    assert {d.notifier: d.status for d in alert.deliveries} == {
        "slack:127.0.0.1": "sent", "discord:127.0.0.1": "sent", "webhook:127.0.0.1": "sent"}


def test_failures_are_retried_with_backoff_and_recorded(receiver: Receiver) -> None:
    down = f"http://127.0.0.1:{free_port()}/nobody-listens"
    run = cairn.init(project="alerts", settings=quick([
        {"type": "webhook", "url": receiver.url + "/flaky"},
        {"type": "webhook", "url": receiver.url + "/broken"},
        {"type": "webhook", "url": receiver.url + "/gone"},
        {"type": "slack", "url": down},
    ]))
    run.alert("check", "text")
    run.finish()
    assert len(receiver.bodies("/flaky")) == 2
    assert len(receiver.bodies("/broken")) == 3  # the first try and alert_retries=2 more
    assert len(receiver.bodies("/gone")) == 1  # a 404 is not retried
    (alert,) = cairn.Api().run(run.path).alerts()
    outcome = {d.notifier: (d.status, d.attempts) for d in alert.deliveries}
    assert outcome == {"webhook:127.0.0.1": ("sent", 2), "webhook:127.0.0.1#2": ("failed", 3),
                       "webhook:127.0.0.1#3": ("failed", 1), "slack:127.0.0.1": ("failed", 3)}
    errors = {d.notifier: d.error or "" for d in alert.deliveries}
    assert "HTTP 500" in errors["webhook:127.0.0.1#2"]
    assert "HTTP 404" in errors["webhook:127.0.0.1#3"]
    assert "Connection refused" in errors["slack:127.0.0.1"]


def test_a_slow_receiver_never_holds_up_training(receiver: Receiver) -> None:
    run = cairn.init(project="alerts", settings=quick(
        [{"type": "webhook", "url": receiver.url + "/slow"}], alert_timeout=30))
    run.alert("slow", "text")
    assert receiver.slow_arrived.wait(10)
    # The receiver is still holding the request, and training goes on meanwhile.
    for step in range(100):
        run.log({"step": step})
    assert not receiver.release.is_set()
    receiver.release.set()
    run.finish()
    (alert,) = cairn.Api().run(run.path).alerts()
    assert [(d.status, d.attempts) for d in alert.deliveries] == [("sent", 1)]


def test_email_reaches_a_real_smtp_server() -> None:
    controller_mod = pytest.importorskip("aiosmtpd.controller")
    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = controller_mod.Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        run = cairn.init(project="alerts", settings=quick([{
            "type": "email", "smtp_host": "127.0.0.1", "smtp_port": port,
            "from": "cairn@example.com", "to": "me@example.com"}]))
        run.alert("accuracy reached 0.9", "val/acc 0.91 at step 1200", level="INFO")
        run.finish()
    finally:
        controller.stop()
    assert len(received) == 1
    mail = received[0].content.decode()
    assert received[0].rcpt_tos == ["me@example.com"]
    assert "Subject: [cairn] INFO: accuracy reached 0.9" in mail
    assert "val/acc 0.91 at step 1200" in mail
    assert run.path in mail


def test_automatic_alert_when_a_run_fails(receiver: Receiver) -> None:
    run = cairn.init(project="alerts", name="doomed", settings=quick(
        [{"type": "webhook", "url": receiver.url + "/ok"}], alert_on="failed,killed"))
    run.finish(exit_code=2)
    (body,) = receiver.bodies("/ok")
    assert body["title"] == "Run failed: doomed"
    assert body["level"] == "ERROR"
    assert "exit code 2" in body["text"]
    ok = cairn.init(project="alerts", settings=quick(
        [{"type": "webhook", "url": receiver.url + "/ok"}], alert_on=["failed"]))
    ok.finish()
    assert len(receiver.bodies("/ok")) == 1


def test_notifier_settings_are_checked() -> None:
    with pytest.raises(SettingsError, match="notifier 0: type"):
        load_settings({"notifiers": [{"type": "pager"}]})
    with pytest.raises(SettingsError, match="http"):
        load_settings({"notifiers": [{"type": "slack", "url": "file:///etc/passwd"}]})
    with pytest.raises(SettingsError, match="smtp_host"):
        load_settings({"notifiers": [{"type": "email"}]})
    with pytest.raises(SettingsError, match="alert_on"):
        load_settings({"alert_on": "exploded"})
    s = load_settings({}, environ={"CAIRN_NOTIFIERS": json.dumps(
        [{"type": "discord", "url": "https://discord.example/api/webhooks/1/x"}])})
    assert s.notifiers[0]["type"] == "discord"


def test_notifiers_from_the_toml_settings_file(receiver: Receiver, tmp_path: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "settings.toml"
    config.write_text(f"""
alert_on = ["finished"]
alert_backoff = 0.05
console = "off"

[[notifiers]]
type = "slack"
url = "{receiver.url}/ok"
min_level = "INFO"
""")
    monkeypatch.setenv("CAIRN_CONFIG", str(config))
    run = cairn.init(project="alerts", name="from-toml")
    run.finish()
    (body,) = receiver.bodies("/ok")
    assert "*[INFO] Run finished: from-toml*" in body["text"]


def test_the_next_alert_sent_counts_those_suppressed_before_it(receiver: Receiver) -> None:
    run = cairn.init(project="alerts", settings=quick([
        {"type": "webhook", "url": receiver.url + "/ok"},
        {"type": "slack", "url": receiver.url + "/slack"}]))
    run.alert("loss spike", "first", wait_duration=3600)
    run.alert("loss spike", "suppressed 1", wait_duration=3600)
    run.alert("loss spike", "suppressed 2", wait_duration=3600)
    run.alert("loss spike", "sent again", wait_duration=0)
    run.alert("other", "not counted", wait_duration=0)
    run.finish()
    by_text = {b["text"]: b["suppressed_before"] for b in receiver.bodies("/ok")}
    assert by_text == {"first": 0, "sent again": 2, "not counted": 0}
    slack = [b["text"] for b in receiver.bodies("/slack") if "sent again" in b["text"]]
    assert len(slack) == 1
    assert "(2 more like it were suppressed)" in slack[0]


def test_alert_after_finish_raises() -> None:
    run = cairn.init(project="alerts", settings={"console": "off"})
    run.finish()
    with pytest.raises(cairn.errors.UsageError, match="finished"):
        run.alert("late", "text")
