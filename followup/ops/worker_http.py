"""The worker's own small HTTP server: /metrics, /healthz and /readyz on FOLLOWUP_METRICS_PORT.

A worker has no web app, yet an orchestrator needs to know whether it is alive (its
scheduler runs and dispatch keeps running) and Prometheus wants its send histograms.
/metrics here carries this process's figures only; the cluster-wide counts read from the
database are served once, by the web app, so N workers do not report them N times.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_SCHEDULER_SHUTDOWN,
    JobExecutionEvent,
    SchedulerEvent,
)
from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import Engine

from followup.channels.base import Channel
from followup.ops.metrics import (
    CONTENT_TYPE,
    build_registry,
    exposition,
    last_send_activity,
    metrics_allowed,
)
from followup.ops.readiness import Readiness
from followup.settings import Settings

log = logging.getLogger(__name__)

DISPATCH_JOB = "dispatch"  # the job id worker.build_scheduler gives the dispatch run
MIN_STALE_SECONDS = 60.0


class WorkerHealth:
    """Alive means: the scheduler runs, and dispatch finished a run or sent a message lately.

    A long drain of a backlog is one job run that lasts minutes; the sends it makes count
    as progress, so only a dispatch that is stuck (or never scheduled) looks dead.
    """

    def __init__(
        self,
        scheduler: BaseScheduler,
        stale_after: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.scheduler = scheduler
        self.stale_after = stale_after
        self._monotonic = monotonic
        self._last_dispatch = monotonic()  # a grace period from start to the first run
        # A run that raised still ran: a database outage is for /readyz, not a restart.
        scheduler.add_listener(self._on_job, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    def _on_job(self, event: JobExecutionEvent) -> None:
        if event.job_id == DISPATCH_JOB:
            self._last_dispatch = self._monotonic()

    def problem(self) -> str | None:
        """Why the worker is not healthy, or None."""
        if not self.scheduler.running:
            return "the scheduler is not running"
        last = max(self._last_dispatch, last_send_activity() or 0.0)
        idle = self._monotonic() - last
        if idle > self.stale_after:
            return f"dispatch has not run for {idle:.0f} s"
        return None


class WorkerHttp:
    """The running server; closes itself when the scheduler shuts down."""

    def __init__(self, server: ThreadingHTTPServer, thread: threading.Thread) -> None:
        self.server = server
        self.thread = thread

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.server.server_address[1])

    def close(self) -> None:
        """Stop answering and release the port."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def serve_worker_http(
    settings: Settings,
    engine: Engine,
    scheduler: BaseScheduler,
    channels: Mapping[str, Channel],
) -> WorkerHttp | None:
    """Serve /metrics, /healthz and /readyz on FOLLOWUP_METRICS_PORT; None when it is unset."""
    if settings.metrics_port is None:
        return None
    stale_after = max(3 * settings.dispatch_interval_seconds, MIN_STALE_SECONDS)
    health = WorkerHealth(scheduler, stale_after)
    readiness = Readiness(engine, channels, settings.readiness_cache_seconds)
    registry = build_registry(None)

    def answer(path: str, authorization: str | None, client: str) -> tuple[int, str, bytes]:
        if path == "/metrics":
            if not metrics_allowed(settings, authorization, client):
                return 401, "text/plain", b"a valid bearer token is required\n"
            return 200, CONTENT_TYPE, exposition(registry)
        if path == "/healthz":
            problem = health.problem()
            body = (
                {"status": "ok"} if problem is None else {"status": "unhealthy", "reason": problem}
            )
            return (200 if problem is None else 503), "application/json", _json(body)
        if path == "/readyz":
            report = readiness.report()
            return (200 if report.ready else 503), "application/json", _json(report.as_json())
        return 404, "application/json", _json({"detail": "not found"})

    server = ThreadingHTTPServer((settings.metrics_host, settings.metrics_port), _handler(answer))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="worker-http", daemon=True)
    thread.start()
    running = WorkerHttp(server, thread)

    def on_shutdown(_event: SchedulerEvent) -> None:
        running.close()

    scheduler.add_listener(on_shutdown, EVENT_SCHEDULER_SHUTDOWN)
    log.info(
        "worker metrics and health on http://%s:%d (/metrics /healthz /readyz)",
        settings.metrics_host,
        running.port,
    )
    return running


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


def _handler(
    answer: Callable[[str, str | None, str], tuple[int, str, bytes]],
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, content_type, body = answer(
                self.path.partition("?")[0],
                self.headers.get("Authorization"),
                self.client_address[0],
            )
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if status == 401:
                self.send_header("WWW-Authenticate", "Bearer")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Log nothing: probes every few seconds would drown the worker's own lines."""

    return Handler
