"""Property tests: the send-time decision never lets a message out in quiet hours, across
DST changes in zones with unusual transitions."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from followup.dispatch.policy import decide
from followup.planning.planner import PatientFacts
from followup.protocol import QuietHours
from tests.conftest import examples
from tests.unit.zones import quiet_windows, zoned_instants


def _patient(tz: ZoneInfo) -> PatientFacts:
    return PatientFacts(
        timezone=tz, has_phone=True, has_email=True, sms_consent=True, email_consent=True
    )


def _quiet_at(moment: datetime, tz: ZoneInfo, quiet: QuietHours) -> bool:
    return quiet.contains(moment.astimezone(tz).time())


@settings(max_examples=examples(300), deadline=None)
@given(
    zoned=zoned_instants,
    quiet=quiet_windows,
    lasts=st.one_of(st.none(), st.integers(1, 48 * 60).map(lambda m: timedelta(minutes=m))),
)
# Sydney's repeated 02:00-03:00: at 02:00 AEST a window from 02:30 is half an hour away.
@example(
    zoned=(ZoneInfo("Australia/Sydney"), datetime(2026, 4, 4, 16, 0, tzinfo=UTC)),
    quiet=QuietHours(start=time(2, 30), end=time(9)),
    lasts=None,
)
def test_a_decision_to_send_holds_only_while_it_is_not_quiet(
    zoned: tuple[ZoneInfo, datetime], quiet: QuietHours, lasts: timedelta | None
) -> None:
    tz, now = zoned
    expires = now + lasts if lasts is not None else None
    decision = decide(
        channel="sms",
        expires_at=expires,
        quiet_hours_exempt=False,
        patient=_patient(tz),
        quiet=quiet,
        now=now,
    )
    if decision.action == "send":
        assert decision.until is not None and decision.until > now
        probe = now
        while probe < decision.until:
            assert not _quiet_at(probe, tz, quiet), probe
            probe += timedelta(minutes=1)
        assert _quiet_at(decision.until, tz, quiet) or decision.until == expires
    elif decision.action == "defer":
        assert decision.at is not None and decision.at > now
        assert not _quiet_at(decision.at, tz, quiet)
        assert expires is None or decision.at < expires
        probe = now
        while probe < decision.at:
            assert _quiet_at(probe, tz, quiet), probe
            probe += timedelta(minutes=1)
    else:
        assert decision.action == "expire" and expires is not None
        assert _quiet_at(now, tz, quiet)
