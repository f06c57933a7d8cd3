"""Prometheus metrics: counts and durations only, never a phone number, address or body.

Two kinds of figures:
- cluster-wide counts (messages by status, queue depth, open alerts, inbound replies,
  calendar syncs, carrier errors by sender) are read from the database at scrape time by `DatabaseCollector`, so
  they are right however many worker processes share the database;
- per-process histograms (send duration, lateness) that the dispatcher feeds through
  `observe_send` and `observe_lateness` as it works.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from followup.core import clock
from followup.db.models import Alert, InboundMessage, MessageStatus, Patient, ScheduledMessage
from followup.ops.carrier_errors import counts as carrier_counts
from followup.protocol import Protocol
from followup.settings import Settings

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
SEND_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LATENESS_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)

# The histograms belong to the process, like the sends they time: created once, with no
# registry (so importing this module registers nothing global), and added to each
# registry `build_registry` makes.
_SEND_SECONDS = Histogram(
    "followup_send_duration_seconds",
    "Time one provider call took, by channel and outcome (sent, retry, failed, ...).",
    ["channel", "outcome"],
    buckets=SEND_BUCKETS,
    registry=None,
)
_LATENESS_SECONDS = Histogram(
    "followup_send_lateness_seconds",
    "Time from a message's due time to its sending, by channel.",
    ["channel"],
    buckets=LATENESS_BUCKETS,
    registry=None,
)
_last_send = 0.0  # time.monotonic() of the last observe_send; 0.0 before any


def observe_send(channel: str, outcome: str, seconds: float) -> None:
    """Record one provider call: how long it took and how it ended."""
    global _last_send
    _SEND_SECONDS.labels(channel=channel, outcome=outcome).observe(max(seconds, 0.0))
    _last_send = time.monotonic()


def observe_lateness(channel: str, seconds: float) -> None:
    """Record how long after its due time a message went out."""
    _LATENESS_SECONDS.labels(channel=channel).observe(max(seconds, 0.0))


def last_send_activity() -> float | None:
    """time.monotonic() of this process's last recorded send, or None before the first."""
    return _last_send or None


_M = ScheduledMessage.__table__  # type: ignore[attr-defined]
_A = Alert.__table__  # type: ignore[attr-defined]
_I = InboundMessage.__table__  # type: ignore[attr-defined]
_P = Patient.__table__  # type: ignore[attr-defined]
# Written against the bare table so these metrics do not depend on the model's import, and
# a database migrated before the table existed still answers (without the sync figures).
_SYNC = sa.table("sync_run", sa.column("source"), sa.column("status"))


def _due_now(now: datetime) -> sa.ColumnElement[bool]:
    """What a worker would claim now, or holds: pending and due, or claimed."""
    return sa.or_(
        sa.and_(
            _M.c.status == MessageStatus.PENDING,
            _M.c.due_at <= now,
            sa.or_(_M.c.not_before.is_(None), _M.c.not_before <= now),
        ),
        _M.c.status == MessageStatus.CLAIMED,
    )


class DatabaseCollector(Collector):
    """Cluster-wide counts, one GROUP BY each, read at every scrape.

    A scrape never fails because of the database: when it is down, only
    followup_database_up 0 is reported.
    """

    def __init__(self, engine: Engine, protocol: Protocol | None = None) -> None:
        self.engine = engine
        self.protocol = protocol

    def _location(self, stored: object) -> str:
        """A row's location key, as the protocol reads it (rows from before: the first)."""
        key = stored if isinstance(stored, str) else None
        return self.protocol.location_key(key) if self.protocol else (key or "main")

    def _counted(
        self, connection: sa.Connection, statement: sa.Select[Any]
    ) -> Counter[tuple[str, ...]]:
        """Counts by the statement's label columns, its last label the location."""
        counts: Counter[tuple[str, ...]] = Counter()
        for *labels, location, count in connection.execute(statement):
            counts[(*map(str, labels), self._location(location))] += count
        return counts

    def collect(self) -> Iterable[Metric]:
        """The metric families, read now."""
        up = GaugeMetricFamily("followup_database_up", "1 when the database answered this scrape.")
        try:
            families = list(self._read())
        except SQLAlchemyError as exc:
            log.warning("metrics: database unreachable (%s)", type(exc).__name__)
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        return [up, *families]

    def _read(self) -> Iterator[Metric]:
        # Every family is labelled by location, the patient's (for a reply from a number
        # on no patient's file, the location it texted).
        patient_location = sa.select(_P.c.location).where(_P.c.id == _M.c.patient_id)
        with self.engine.connect() as connection:
            messages = GaugeMetricFamily(
                "followup_messages",
                "Planned messages by status, channel and location.",
                labels=["status", "channel", "location"],
            )
            location = patient_location.scalar_subquery()
            statement = sa.select(_M.c.status, _M.c.channel, location, sa.func.count()).group_by(
                _M.c.status, _M.c.channel, location
            )
            for labels, count in sorted(self._counted(connection, statement).items()):
                messages.add_metric(list(labels), count)
            yield messages

            queue = GaugeMetricFamily(
                "followup_queue_depth",
                "Messages due now and not yet sent (pending and due, or claimed), by channel "
                "and location.",
                labels=["channel", "location"],
            )
            statement = (
                sa.select(_M.c.channel, location, sa.func.count())
                .where(_due_now(clock.now()))
                .group_by(_M.c.channel, location)
            )
            for labels, count in sorted(self._counted(connection, statement).items()):
                queue.add_metric(list(labels), count)
            yield queue

            alerts = GaugeMetricFamily(
                "followup_alerts_open",
                "Alerts nobody has acknowledged yet, by severity and location.",
                labels=["severity", "location"],
            )
            where = sa.func.coalesce(_P.c.location, _I.c.location)
            statement = (
                sa.select(_A.c.severity, where, sa.func.count())
                .select_from(
                    _A.outerjoin(_P, _P.c.id == _A.c.patient_id).outerjoin(
                        _I, _I.c.id == _A.c.inbound_message_id
                    )
                )
                .where(_A.c.acknowledged_at.is_(None))
                .group_by(_A.c.severity, where)
            )
            for labels, count in sorted(self._counted(connection, statement).items()):
                alerts.add_metric(list(labels), count)
            yield alerts

            inbound = CounterMetricFamily(
                "followup_inbound_messages",
                "Inbound SMS stored, by what the pipeline made of them, and location.",
                labels=["kind", "location"],
            )
            where = sa.func.coalesce(_P.c.location, _I.c.location)
            statement = (
                sa.select(_I.c.kind, where, sa.func.count())
                .select_from(_I.outerjoin(_P, _P.c.id == _I.c.patient_id))
                .group_by(_I.c.kind, where)
            )
            for labels, count in sorted(self._counted(connection, statement).items()):
                inbound.add_metric(list(labels), count)
            yield inbound

            # Last: on PostgreSQL a missing table aborts the transaction, and nothing
            # else is read after it.
            syncs = _sync_runs(connection)
            if syncs is not None:
                yield syncs
                carrier = _carrier_errors(connection)  # newer still: absent before 0018
                if carrier is not None:
                    yield carrier


def _carrier_errors(connection: sa.Connection) -> Metric | None:
    try:
        rows = carrier_counts(connection)
    except (sa.exc.ProgrammingError, sa.exc.OperationalError) as exc:
        if not _missing_table(exc):
            raise
        return None
    family = CounterMetricFamily(
        "followup_carrier_errors",
        "Registration and filtering errors Twilio reported (30007 filtered, 30034 "
        "unregistered 10DLC, 30032 unverified toll-free, 21610 unsubscribed), by sender.",
        labels=["sender", "code"],
    )
    for sender, code, count in sorted(rows):
        family.add_metric([sender, code], count)
    return family


def _sync_runs(connection: sa.Connection) -> Metric | None:
    statement = sa.select(_SYNC.c.source, _SYNC.c.status, sa.func.count()).group_by(
        _SYNC.c.source, _SYNC.c.status
    )
    try:
        rows = connection.execute(statement).all()
    except (sa.exc.ProgrammingError, sa.exc.OperationalError) as exc:
        # A missing table is a schema from before sync runs were recorded; a lost
        # connection is the database going down, which the caller reports.
        if not _missing_table(exc):
            raise
        return None
    counts: Counter[tuple[str, str]] = Counter()
    for source, status, count in rows:
        counts[(source_label(str(source)), str(status))] += count
    family = CounterMetricFamily(
        "followup_sync_runs",
        "Calendar syncs recorded, by source and result.",
        labels=["source", "status"],
    )
    for (source, status), count in sorted(counts.items()):
        family.add_metric([source, status], count)
    return family


def _missing_table(exc: SQLAlchemyError) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "no such table" in text or "does not exist" in text


def source_label(source: str) -> str:
    """A calendar source as a metric label: a feed URL shortened to host and file name.

    Private calendar URLs carry secrets (and sometimes an email address) in their path
    and query; neither belongs in a metric.
    """
    if "://" not in source:
        return source
    parts = urlsplit(source)
    name = parts.path.rstrip("/").rpartition("/")[2]
    return f"{parts.hostname or ''}/{name}" if name else parts.hostname or ""


def metrics_allowed(settings: Settings, authorization: str | None, client: str | None) -> bool:
    """With FOLLOWUP_METRICS_TOKEN, only `Bearer <token>` gets in; without it, only a
    client on this machine (loopback). Also guards the web's /openapi.json."""
    if settings.metrics_token is None:
        return client is not None and is_loopback(client)
    expected = f"Bearer {settings.metrics_token.get_secret_value()}".encode()
    return hmac.compare_digest((authorization or "").encode(), expected)


def is_loopback(host: str) -> bool:
    """Whether a client address is this machine's own."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def build_registry(engine: Engine | None, protocol: Protocol | None = None) -> CollectorRegistry:
    """This process's metrics, plus the database's counts when `engine` is given (labelled
    by the protocol's locations)."""
    registry = CollectorRegistry()
    registry.register(_SEND_SECONDS)
    registry.register(_LATENESS_SECONDS)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    if engine is not None:
        registry.register(DatabaseCollector(engine, protocol))
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    """The registry in Prometheus' text format."""
    return generate_latest(registry)
