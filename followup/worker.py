"""The background worker: APScheduler decides when the periodic jobs run, nothing more.

The plan lives in database rows; the scheduler keeps no state of its own (memory job
store), so a restart loses nothing.
"""

from __future__ import annotations

import logging
import signal
from datetime import timedelta
from pathlib import Path
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine

from followup import clock
from followup.db.engine import make_engine
from followup.importing import FileReport, ImportWindow, import_files
from followup.protocol import Protocol
from followup.settings import Settings

log = logging.getLogger(__name__)


def sync_sources(engine: Engine, settings: Settings, protocol: Protocol) -> list[FileReport]:
    """Read the configured roster and calendars once, and re-plan what changed."""
    window = ImportWindow(
        clock.now(),
        timedelta(days=settings.calendar_lookback_days),
        timedelta(days=settings.calendar_horizon_days),
    )
    calendars = [Path(source) for source in settings.calendar_sources]
    reports = import_files(engine, protocol, window, settings.roster_file, calendars)
    for report in reports:
        if report.error:
            log.warning("sync of %s failed: %s", report.path.name, report.error)
    return reports


def build_scheduler(engine: Engine, settings: Settings, protocol: Protocol) -> BlockingScheduler:
    """A scheduler whose jobs never overlap themselves and coalesce missed runs."""
    scheduler = BlockingScheduler(timezone="UTC")
    if settings.calendar_sources or settings.roster_file:
        scheduler.add_job(
            sync_sources,
            "interval",
            args=(engine, settings, protocol),
            seconds=settings.sync_interval_seconds,
            id="calendar-sync",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=settings.sync_interval_seconds,
            next_run_time=clock.now(),
        )
    else:
        log.warning("no calendar sources configured (FOLLOWUP_CALENDAR_SOURCES): nothing to sync")
    return scheduler


def run_worker(settings: Settings, protocol: Protocol) -> None:
    """Run until SIGTERM or SIGINT; the job under way finishes before the process exits."""
    engine = make_engine(settings.database_url)
    scheduler = build_scheduler(engine, settings, protocol)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s, finishing the current job", signal.Signals(signum).name)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("worker started: %d job(s)", len(scheduler.get_jobs()))
    try:
        scheduler.start()
    finally:
        engine.dispose()
        log.info("worker stopped")
