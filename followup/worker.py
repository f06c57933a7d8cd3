"""The background service: APScheduler decides when the periodic jobs run, nothing more.

The plan lives in database rows and the scheduler keeps no state of its own (a memory
job store), so a restart loses nothing: a due message is simply claimed again.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from followup.alerts import deliver_pending, escalate_due
from followup.calendar.addresses import is_feed
from followup.calendar.feeds import Feed, FeedOptions
from followup.calendar.fhir_client import FhirServer
from followup.calendar.fhir_sync import FhirReport, FhirSync, sync_fhir
from followup.calendar.importing import (
    FeedReport,
    FileReport,
    ImportWindow,
    import_files,
    sync_feeds,
)
from followup.channels.base import Channel
from followup.channels.registry import build_channels, senders
from followup.consent.unsubscribe import unsubscribe_links
from followup.core import clock
from followup.core.spool import database_identity
from followup.db.engine import make_engine
from followup.dispatch.calls import Dialer, build_dialer
from followup.dispatch.held import SentJournal
from followup.dispatch.retry import RetryPolicy
from followup.dispatch.runner import DispatchRunner, Lane
from followup.dispatch.send import Dispatcher
from followup.messages.revisions import service_renderer
from followup.ops.outages import OutageGuard
from followup.ops.worker_http import serve_worker_http
from followup.protocol import Protocol
from followup.replies.outcome import Handled, Processed
from followup.replies.replay import SWEEP_WAIT_AFTER_OUTAGE, sweep_received
from followup.settings import Settings

log = logging.getLogger(__name__)
ALERT_INTERVAL_SECONDS = 15
SWEEP_INTERVAL_SECONDS = 15


def sync_sources(
    engine: Engine, settings: Settings, protocol: Protocol
) -> list[FileReport | FeedReport | FhirReport]:
    """Read the configured roster, calendar files, due feeds and FHIR server once; re-plan
    what changed.

    Each source is synced under its advisory lock: a source another worker is syncing is
    skipped this round. Every sync is recorded in `sync_run`.
    """
    window = ImportWindow(
        clock.now(),
        timedelta(days=settings.calendar_lookback_days),
        timedelta(days=settings.calendar_horizon_days),
    )
    files = [Path(entry) for entry in settings.calendar_sources if not is_feed(entry)]
    feeds = [Feed.parse(entry) for entry in settings.calendar_sources if is_feed(entry)]
    absent_reads = settings.calendar_absent_reads
    reports: list[FileReport | FeedReport | FhirReport] = []
    if files or settings.roster_file:
        reports += import_files(
            engine, protocol, window, settings.roster_file, files, absent_reads=absent_reads
        )
    if feeds:
        reports += sync_feeds(engine, protocol, window, feeds, feed_options(settings), absent_reads)
    server = fhir_server(settings)
    if server is not None:
        reports.append(sync_fhir(engine, protocol, window, server, fhir_sync(settings)))
    for report in reports:
        if isinstance(report, FileReport) and report.error:
            log.warning("sync of %s failed: %s", report.path.name, report.error)
    return reports


def feed_options(settings: Settings) -> FeedOptions:
    """How feeds are fetched, as the settings ask; the backoff starts at the sync interval."""
    return FeedOptions(
        connect_timeout=settings.calendar_feed_connect_timeout_seconds,
        read_timeout=settings.calendar_feed_read_timeout_seconds,
        max_bytes=settings.calendar_feed_max_bytes,
        backoff_base=timedelta(seconds=settings.sync_interval_seconds),
        backoff_cap=timedelta(seconds=settings.calendar_feed_backoff_max_seconds),
        ca_bundle=settings.calendar_feed_ca_bundle,
    )


def fhir_server(settings: Settings) -> FhirServer | None:
    """The configured FHIR server with its credentials, if any."""
    if settings.fhir_base_url is None:
        return None
    return FhirServer(
        feed=Feed.parse(settings.fhir_base_url),
        token=settings.fhir_token.get_secret_value() if settings.fhir_token else None,
        token_url=settings.fhir_token_url,
        client_id=settings.fhir_client_id,
        client_secret=(
            settings.fhir_client_secret.get_secret_value() if settings.fhir_client_secret else None
        ),
        scope=settings.fhir_scope,
        appointment_search=settings.fhir_appointment_search,
        page_size=settings.fhir_page_size,
    )


def fhir_sync(settings: Settings) -> FhirSync:
    """How the FHIR server is synced: fetched as feeds are, read whole as often as asked."""
    return FhirSync(
        options=feed_options(settings),
        absent_reads=settings.calendar_absent_reads,
        full_every=timedelta(minutes=settings.fhir_full_read_minutes),
        consent_extension=settings.fhir_consent_extension,
    )


def alert_job(
    engine: Engine,
    channels: Mapping[str, Channel],
    protocol: Protocol,
    public_url: str | None = None,
    dialer: Dialer | None = None,
) -> None:
    """Place due calls, escalate alerts nobody acknowledged, send notifications waiting.

    The web process notifies and calls at once; this catches what it could not (a provider
    outage, a process that died, a call Twilio never reported on) and is the only place
    the SMS and email escalation happens.
    """
    now = clock.now()
    escalate_due(engine, protocol, now)
    deliver_pending(engine, channels, protocol, now, public_url=public_url)
    # Last: a call may wait for the account's rate, and the SMS escalation must not.
    if dialer is not None:
        dialer.tick()


def sweep_job(
    engine: Engine,
    runner: DispatchRunner,
    protocol: Protocol,
    guard: OutageGuard,
    public_url: str | None = None,
) -> int:
    """Process inbound messages a web process stored but never finished (it died, or lost
    the database mid-way); not in the first moments after an outage, when the web
    processes' own replay (which knows whom they paged already) goes first.

    Guarded here, not where it is scheduled: a tick that skips the sweep has not reached
    the database, and must not tell the guard that it is back."""
    if guard.up_for() < SWEEP_WAIT_AFTER_OUTAGE:
        return 0
    d = runner.dispatcher

    def deliver(results: list[Processed]) -> None:
        for result in results:
            for alert_id in result.alert_ids if isinstance(result, Handled) else ():
                deliver_pending(engine, d.channels, protocol, clock.now(), alert_id, public_url)

    sweep = guard.wrap(sweep_received, "inbound-sweep")
    return sweep(engine, protocol, d.renderer, clock.now(), deliver) or 0


def build_runner(engine: Engine, settings: Settings, protocol: Protocol) -> DispatchRunner:
    """The dispatcher with its channels, retry policy and per-provider limits.

    Each channel's rate is its sender's, shared with every worker sending as it.
    """
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    dispatcher = Dispatcher(
        engine=engine,
        protocol=protocol,
        # Staff edits from the web pages override the files, picked up without a restart.
        renderer=service_renderer(settings.templates_dir, engine),
        channels=build_channels(settings),
        retry=RetryPolicy(
            max_attempts=settings.dispatch_max_attempts,
            base=timedelta(seconds=settings.dispatch_retry_base_seconds),
            cap=timedelta(seconds=settings.dispatch_retry_max_seconds),
        ),
        owner=owner,
        lease=timedelta(seconds=settings.dispatch_lease_seconds),
        held=SentJournal(settings.spool_directory(), database_identity(settings.database_url)),
        unsubscribe=_unsubscribe_links(settings),
    )
    sender = senders(settings)
    lanes = {
        "sms": Lane(settings.sms_concurrency, settings.sms_rate_per_second, sender["sms"]),
        "email": Lane(settings.email_concurrency, settings.email_rate_per_second, sender["email"]),
    }
    return DispatchRunner(
        dispatcher,
        lanes,
        timedelta(seconds=settings.dispatch_lease_seconds),
        settings.dispatch_batch_size,
    )


def _unsubscribe_links(settings: Settings) -> Callable[[int], str] | None:
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    links = unsubscribe_links(settings.public_url, secret)
    if links is None and settings.smtp_host:
        log.warning(
            "emails go without a one-click unsubscribe (List-Unsubscribe): it needs an "
            "https FOLLOWUP_PUBLIC_URL and FOLLOWUP_SECRET_KEY"
        )
    return links


def build_scheduler(
    engine: Engine,
    settings: Settings,
    protocol: Protocol,
    runner: DispatchRunner,
    dialer: Dialer | None = None,
) -> BackgroundScheduler:
    """Jobs that never overlap themselves, coalesce missed runs, and start at once.

    Each job survives a database outage: it logs once and is simply run again next tick.
    """
    scheduler = BackgroundScheduler(timezone="UTC")
    guard = OutageGuard()
    jobs = {"max_instances": 1, "coalesce": True, "next_run_time": clock.now()}
    if settings.calendar_sources or settings.roster_file or settings.fhir_base_url:
        scheduler.add_job(
            guard.wrap(sync_sources, "calendar-sync"),
            "interval",
            args=(engine, settings, protocol),
            seconds=settings.sync_interval_seconds,
            id="calendar-sync",
            misfire_grace_time=settings.sync_interval_seconds,
            **jobs,
        )
    else:
        log.warning(
            "no calendar sources configured (FOLLOWUP_CALENDAR_SOURCES, FOLLOWUP_FHIR_BASE_URL): "
            "nothing to sync"
        )
    scheduler.add_job(
        guard.wrap(alert_job, "alerts"),
        "interval",
        args=(engine, runner.dispatcher.channels, protocol, settings.public_url, dialer),
        seconds=ALERT_INTERVAL_SECONDS,
        id="alerts",
        misfire_grace_time=60,
        **jobs,
    )
    scheduler.add_job(
        sweep_job,
        "interval",
        args=(engine, runner, protocol, guard, settings.public_url),
        seconds=SWEEP_INTERVAL_SECONDS,
        id="inbound-sweep",
        misfire_grace_time=60,
        **jobs,
    )
    scheduler.add_job(
        guard.wrap(runner.run_until_idle, "dispatch"),
        "interval",
        seconds=settings.dispatch_interval_seconds,
        id="dispatch",
        misfire_grace_time=60,
        **jobs,
    )
    return scheduler


def run_service(
    settings: Settings, protocol: Protocol, web: Callable[[Engine], None] | None = None
) -> None:
    """Run the worker (and `web`, given the engine, when set) until SIGTERM/SIGINT.

    On a signal, messages being sent finish, the rest of the batch is given back for
    another worker, and the process exits 0.
    """
    engine = make_engine(settings.database_url)
    # First: `voice = true` without the settings to call stops start-up in one line.
    dialer = build_dialer(settings, protocol, engine)
    runner = build_runner(engine, settings, protocol)
    scheduler = build_scheduler(engine, settings, protocol, runner, dialer)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if not stop.is_set():
            log.info("received %s: finishing messages in flight", signal.Signals(signum).name)
        stop.set()
        runner.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    scheduler.start()
    serve_worker_http(settings, engine, scheduler, runner.dispatcher.channels)
    log.info(
        "worker started: owner %s, %d job(s)", runner.dispatcher.owner, len(scheduler.get_jobs())
    )
    try:
        if web is None:
            while not stop.wait(1):
                pass
        else:
            web(engine)  # returns when uvicorn has handled the signal and re-raised it to us
    finally:
        runner.stop()
        scheduler.shutdown(wait=True)
        runner.close()
        engine.dispose()
        log.info("worker stopped")
