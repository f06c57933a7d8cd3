"""The worker's health server with a real APScheduler and real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from followup.channels.registry import build_channels
from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.ops.metrics import observe_send
from followup.ops.worker_http import DISPATCH_JOB, WorkerHealth, serve_worker_http
from followup.settings import Settings
from followup.testing.processes import wait_for
from followup.testing.web import free_port


def get(url: str, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


class Dispatch:
    """A stand-in dispatch job that can be made to hang, as a stuck provider call would."""

    def __init__(self) -> None:
        self.runs = 0
        self.stuck = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> None:
        self.runs += 1
        if self.stuck.is_set():
            self.release.wait(30)


@pytest.fixture
def scheduler() -> Iterator[tuple[BackgroundScheduler, Dispatch]]:
    dispatch = Dispatch()
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(dispatch, "interval", seconds=0.05, id=DISPATCH_JOB, max_instances=1)
    yield scheduler, dispatch
    dispatch.release.set()
    if scheduler.running:
        scheduler.shutdown(wait=True)


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'worker.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def test_unhealthy_when_dispatch_is_stuck_healthy_again_when_it_sends(
    scheduler: tuple[BackgroundScheduler, Dispatch],
) -> None:
    sched, dispatch = scheduler
    health = WorkerHealth(sched, stale_after=3)
    assert health.problem() == "the scheduler is not running"
    sched.start()
    wait_for(lambda: dispatch.runs >= 2, what="dispatch runs")
    assert health.problem() is None

    dispatch.stuck.set()
    wait_for(lambda: health.problem() is not None, what="a stuck dispatch to show")
    assert (health.problem() or "").startswith("dispatch has not run for")
    # A long run that keeps sending is progress, not a hang.
    observe_send("sms", "sent", 0.1)
    assert health.problem() is None

    dispatch.release.set()
    dispatch.stuck.clear()
    sched.shutdown(wait=True)
    assert health.problem() == "the scheduler is not running"


def test_worker_serves_health_readiness_and_its_own_metrics(
    scheduler: tuple[BackgroundScheduler, Dispatch], sqlite: Engine
) -> None:
    sched, _ = scheduler
    port = free_port()
    settings = Settings(database_url=str(sqlite.url), metrics_port=port, metrics_token="let-me-in")  # type: ignore[arg-type]
    sched.start()
    server = serve_worker_http(settings, sqlite, sched, build_channels(settings))
    assert server is not None and server.port == port
    base = f"http://127.0.0.1:{port}"

    assert get(base + "/healthz") == (200, b'{"status": "ok"}')
    status, body = get(base + "/readyz")
    assert status == 200 and json.loads(body)["database"] == "ok"
    assert get(base + "/metrics")[0] == 401
    status, body = get(base + "/metrics", token="let-me-in")
    text = body.decode()
    assert status == 200 and "followup_send_duration_seconds" in text
    # Cluster-wide counts come from the web app, once, not from each worker.
    assert "followup_messages" not in text and "followup_database_up" not in text
    assert get(base + "/nothing")[0] == 404

    # The server goes with the scheduler: a stopped worker answers nothing.
    sched.shutdown(wait=True)
    with pytest.raises(urllib.error.URLError):
        get(base + "/healthz")


def test_no_server_without_a_metrics_port(
    scheduler: tuple[BackgroundScheduler, Dispatch], sqlite: Engine
) -> None:
    sched, _ = scheduler
    settings = Settings(database_url=str(sqlite.url))
    assert serve_worker_http(settings, sqlite, sched, build_channels(settings)) is None


def test_readiness_fails_when_the_database_schema_is_behind(
    scheduler: tuple[BackgroundScheduler, Dispatch], tmp_path: Path
) -> None:
    sched, _ = scheduler
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # never migrated
    port = free_port()
    settings = Settings(database_url=str(engine.url), metrics_port=port)
    sched.start()
    serve_worker_http(settings, engine, sched, build_channels(settings))
    status, body = get(f"http://127.0.0.1:{port}/readyz")
    answer: dict[str, Any] = json.loads(body)
    assert status == 503 and "followup db upgrade" in answer["reason"]
    sched.shutdown(wait=True)
    engine.dispose()
