"""Triage: how soon must a person read an inbound SMS, and why?

Runs on every inbound message before anything else reads it, and answers a `Level`
(emergency, crisis, urgent, review, ordinary) with the findings that set it: each names
the rule and the patient's words that matched, so staff see why. English and Spanish.
Pure functions: no database, no I/O, no logging. The rules and why each is as it is:
README, "Triage".
"""

from __future__ import annotations

from followup.replies.triage.engine import triage
from followup.replies.triage.findings import Finding, Level, Triage

__all__ = ["Finding", "Level", "Triage", "triage"]
