"""Alerts: raise, notify the on-call staff at once, escalate, acknowledge.

Notifications are rows first and messages second: the web process sends them the moment
an alert is raised, and the worker's alert job sends any that are still waiting, so a
process that dies between the two loses nothing.
"""

from __future__ import annotations

from followup.alerts.paging import deliver_pending, escalate_due, notification_text
from followup.alerts.raising import (
    CRITICAL,
    EMERGENCY,
    HIGH,
    PAUSING,
    SEVERITIES,
    URGENT,
    AlertNotFound,
    alert_failing_templates,
    raise_alert,
)
from followup.alerts.views import AlertView, acknowledge, list_alerts, severity_rank

__all__ = [
    "CRITICAL",
    "EMERGENCY",
    "HIGH",
    "PAUSING",
    "SEVERITIES",
    "URGENT",
    "AlertNotFound",
    "AlertView",
    "acknowledge",
    "alert_failing_templates",
    "deliver_pending",
    "escalate_due",
    "list_alerts",
    "notification_text",
    "raise_alert",
    "severity_rank",
]
