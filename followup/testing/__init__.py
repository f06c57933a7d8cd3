"""Test doubles that ship with followup, for the test suite and for local staging."""

from __future__ import annotations

from followup.testing.fake_twilio import FakeTwilio

__all__ = ["FakeTwilio"]
