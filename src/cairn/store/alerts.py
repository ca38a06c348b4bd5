"""Alerts in a SQL store: one row per alert sent (suppressed repeats add to its count),
and the outcome of its delivery through each notifier (the latest attempt wins)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from cairn.limits import ALERT_KEY_CHARS, ALERT_LEVELS, ALERT_TEXT_CHARS, ALERT_TITLE_CHARS
from cairn.records import Record, RunRef
from cairn.store.apply import Cursor

DELIVERY_STATES = ("sent", "retrying", "failed")


@dataclass(frozen=True)
class Delivery:
    notifier: str
    status: str
    attempts: int
    error: str | None
    at: float


@dataclass(frozen=True)
class AlertRow:
    id: int
    run: RunRef
    run_name: str
    at: float
    title: str
    text: str
    level: str
    suppressed: int
    deliveries: list[Delivery] = field(default_factory=list)


def _time(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def apply_alert(conn: Cursor, run_pk: int, record: Record, now: float) -> None:
    body = record.body
    key = body.get("key")
    if not isinstance(key, str) or not key or len(key) > ALERT_KEY_CHARS:
        return
    suppressed = body.get("suppressed")
    if "title" not in body and isinstance(suppressed, int) and 0 < suppressed < 2**31:
        conn.execute("UPDATE alerts SET suppressed = suppressed + ? WHERE run = ? AND "
                     "alert_key = ?", (suppressed, run_pk, key))
        return
    title, text, level = body.get("title"), body.get("text"), body.get("level")
    if not isinstance(title, str) or not isinstance(text, str) or level not in ALERT_LEVELS:
        return
    conn.execute("INSERT INTO alerts (run, at, title, text, level, alert_key) VALUES "
                 "(?, ?, ?, ?, ?, ?) ON CONFLICT (run, alert_key) DO NOTHING",
                 (run_pk, _time(body.get("at")) or now, title[:ALERT_TITLE_CHARS],
                  text[:ALERT_TEXT_CHARS],
                  level, key))


def apply_delivery(conn: Cursor, run_pk: int, record: Record, now: float) -> None:
    body = record.body
    status, notifier = body.get("status"), body.get("notifier")
    if status not in DELIVERY_STATES or not isinstance(notifier, str):
        return
    row = conn.execute("SELECT id FROM alerts WHERE run = ? AND alert_key = ?",
                       (run_pk, body.get("key"))).fetchone()
    if row is None:
        return
    attempts = body.get("attempts")
    error = body.get("error")
    conn.execute(
        "INSERT INTO alert_deliveries (alert, notifier, status, attempts, error, at) VALUES "
        "(?, ?, ?, ?, ?, ?) ON CONFLICT (alert, notifier) DO UPDATE SET status = "
        "excluded.status, attempts = excluded.attempts, error = excluded.error, at = excluded.at",
        (int(row[0]), notifier[:200], status, attempts if isinstance(attempts, int) else 0,
         str(error)[:2000] if error else None, _time(body.get("at")) or now))


def read_alerts(conn: Cursor, *, run_pk: int | None = None, entity: str | None = None,
                project: str | None = None, limit: int = 100,
                before: int | None = None) -> list[AlertRow]:
    """Alerts newest first: of one run, or of a project (its feed); ``before`` an alert id
    pages back."""
    sql = ("SELECT alerts.id, projects.entity, projects.name, runs.run_id, runs.name, "
           "alerts.at, alerts.title, alerts.text, alerts.level, alerts.suppressed FROM alerts "
           "JOIN runs ON runs.id = alerts.run JOIN projects ON projects.id = runs.project_id "
           "WHERE 1 = 1")
    params: list[Any] = []
    if run_pk is not None:
        sql += " AND alerts.run = ?"
        params.append(run_pk)
    if entity is not None and project is not None:
        sql += " AND projects.entity = ? AND projects.name = ?"
        params += [entity, project]
    if before is not None:
        sql += " AND alerts.id < ?"
        params.append(before)
    rows = conn.execute(sql + " ORDER BY alerts.at DESC, alerts.id DESC LIMIT ?",
                        (*params, limit)).fetchall()
    alerts = [AlertRow(int(r[0]), RunRef(r[1], r[2], r[3]), str(r[4]), float(r[5]), str(r[6]),
                       str(r[7]), str(r[8]), int(r[9])) for r in rows]
    if alerts:
        marks = ", ".join("?" for _ in alerts)
        by_id = {a.id: a for a in alerts}
        for alert_id, notifier, status, attempts, error, at in conn.execute(
                f"SELECT alert, notifier, status, attempts, error, at FROM alert_deliveries "
                f"WHERE alert IN ({marks}) ORDER BY notifier", [a.id for a in alerts]):
            by_id[int(alert_id)].deliveries.append(
                Delivery(str(notifier), str(status), int(attempts), error, float(at)))
    return alerts
