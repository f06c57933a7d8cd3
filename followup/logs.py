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
    # APScheduler logs every job run at INFO; that drowns the lines that matter.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
