"""Logging set-up. Log lines carry ids and masked numbers, never message bodies."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str) -> None:
    """Plain key=value lines on stderr; called once by each command."""
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        force=True,
    )
    # APScheduler logs every job run at INFO and every skipped overlapping run at WARNING;
    # skipping is what max_instances=1 is for, so only its errors matter here.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # urllib3 logs request URLs at DEBUG, and a Twilio lookup URL carries the phone number.
    logging.getLogger("urllib3").setLevel(logging.INFO)
