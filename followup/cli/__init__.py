"""The `followup` command. Each command parses arguments and calls one feature function;
the commands live in this package's modules by group, all on the one app of `common`."""

from __future__ import annotations

import logging

from followup.cli import alerts, calendar, compliance, service, staff, templates, triage, views
from followup.cli.common import app

__all__ = [
    "alerts",
    "app",
    "calendar",
    "compliance",
    "main",
    "service",
    "staff",
    "templates",
    "triage",
    "views",
]


def main() -> None:
    """Console-script entry point."""
    logging.captureWarnings(True)
    app()
