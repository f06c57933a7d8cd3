"""The Today page over real HTTP: the worklist first, names that link, and a Discharged
that waits a minute, can be undone until then, and holds for a worker in any process.

The clinic is `tests.integration.test_sections`' (four patients, Ana in the chair).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from followup.db.models import Appointment, MessageStatus, ScheduledMessage
from followup.dispatch.claim import claim_due
from followup.planning.scheduling import replan_patients
from followup.staff import create_token
from tests.integration.test_sections import (
    NURSE,
    Clinic,
    api,
)
from tests.integration.test_sections import clinic as clinic  # the fixture

UNDO = timedelta(seconds=60)


def discharge_rows(clinic: Clinic) -> list[ScheduledMessage]:
    with Session(clinic.engine) as session:
        return list(
            session.exec(
                select(ScheduledMessage)
                .where(
                    ScheduledMessage.appointment_id == clinic.ids["chair"],
                    ScheduledMessage.step == "discharge",
                )
                .order_by(col(ScheduledMessage.channel))
            )
        )


def appointment(clinic: Clinic) -> Appointment:
    with Session(clinic.engine) as session:
        appt = session.get(Appointment, clinic.ids["chair"])
        assert appt is not None
        return appt


def press(clinic: Clinic) -> tuple[object, datetime]:
    nurse = clinic.nurse()
    pressed = datetime.now(UTC)
    status, headers, _ = clinic.post(
        nurse,
        f"/staff/appointments/{clinic.ids['chair']}/discharged",
        {"back": "/staff/today"},
        "/staff/today",
    )
    assert status == 303 and headers["location"] == "/staff/today"
    return nurse, pressed


def test_the_worklist_comes_first_and_every_patient_name_links_to_their_page(
    clinic: Clinic,
) -> None:
    page = clinic.get(clinic.nurse(), "/staff/today")
    assert page.index("<h2>Worklist</h2>") < page.index("<h2>Infusions</h2>")
    worklist = page[page.index("<h2>Worklist</h2>") : page.index("<h2>Infusions</h2>")]
    assert '<a href="/staff/patients/P1"><strong>Ana Rivera</strong></a>' in worklist
    assert '<a href="/staff/patients/P3"><strong>Grace Okafor</strong></a>' in worklist
    chair = page[page.index(f'id="appointment-{clinic.ids["chair"]}"') :]
    chair = chair[: chair.index("</tr>")]
    assert '<a href="/staff/patients/P1"><strong>Ana Rivera</strong></a>' in chair


def test_discharged_asks_to_confirm_with_the_patients_name(clinic: Clinic) -> None:
    page = clinic.get(clinic.nurse(), "/staff/today")
    row = page[page.index(f'id="appointment-{clinic.ids["chair"]}"') :]
    row = row[: row.index("</tr>")]
    # The first click only opens the question; the submit button names the patient.
    assert '<details class="confirm-discharge">' in row
    assert re.search(r"<summary>Discharged…</summary>\s*<form", row)
    assert '<button type="submit">Confirm Ana Rivera discharged</button>' in row


def test_a_discharge_from_the_page_sends_nothing_for_a_minute_whoever_plans_or_claims(
    clinic: Clinic,
) -> None:
    nurse, pressed = press(clinic)
    appt = appointment(clinic)
    assert appt.discharged_at is not None and appt.discharge_undo_until is not None
    assert pressed <= appt.discharged_at and appt.discharge_undo_until == appt.discharged_at + UNDO
    rows = discharge_rows(clinic)
    assert {r.channel for r in rows} == {"sms", "email"}
    assert all(r.due_at == appt.discharge_undo_until for r in rows)
    # Another process re-plans (a calendar sync) inside the minute: the hold is in the
    # database, so the plan keeps it.
    with Session(clinic.engine) as session:
        replan_patients(session, [clinic.ids["ana"]], clinic.protocol, pressed + UNDO / 2)
        session.commit()
    assert [r.due_at for r in discharge_rows(clinic)] == [r.due_at for r in rows]
    # A worker's claim inside the minute takes none of them; one after it takes both.
    ids = {r.id for r in rows}
    early = claim_due(
        clinic.engine,
        "w1",
        appt.discharge_undo_until - timedelta(seconds=1),
        timedelta(minutes=5),
        100,
    )
    assert ids.isdisjoint(c.id for c in early)
    late = claim_due(clinic.engine, "w2", appt.discharge_undo_until, timedelta(minutes=5), 100)
    assert ids <= {c.id for c in late}
    # The row offers Undo with the moment the message goes.
    row = clinic.get(nurse, "/staff/today")
    assert f'action="/staff/appointments/{clinic.ids["chair"]}/undo-discharged"' in row
    assert f'data-undo-until="{appt.discharge_undo_until.isoformat()}"' in row


def test_undo_inside_the_minute_restores_the_booked_end_sends_nothing_and_is_audited(
    clinic: Clinic,
) -> None:
    booked = [r.due_at for r in discharge_rows(clinic)]
    nurse, _ = press(clinic)
    was = appointment(clinic).discharged_at
    status, headers, _ = clinic.post(
        nurse,
        f"/staff/appointments/{clinic.ids['chair']}/undo-discharged",
        {"back": "/staff/today"},
        "/staff/today",
    )
    assert status == 303 and headers["location"] == "/staff/today"
    appt = appointment(clinic)
    assert appt.discharged_at is None and appt.discharge_undo_until is None
    rows = discharge_rows(clinic)
    assert [r.due_at for r in rows] == booked
    assert all(r.status == MessageStatus.PENDING for r in rows)
    [event] = clinic.audit("appointment.discharge_undone")
    assert event.actor == NURSE and event.record_id == str(clinic.ids["chair"])
    assert json.loads(event.before or "{}")["discharged_at"].startswith(
        str(was.date()) if was else "?"
    )
    page = clinic.get(nurse, "/staff/today")
    assert "discharge undone; nothing was sent" in page
    assert "<summary>Discharged…</summary>" in page  # it can be pressed again
    assert clinic.fake.messages == []


def test_undo_after_the_minute_is_refused_and_changes_nothing(clinic: Clinic) -> None:
    nurse, _ = press(clinic)
    # The minute has passed: as if the clock had moved on, without waiting for it.
    past = datetime.now(UTC) - timedelta(seconds=1)
    table = Appointment.__table__  # type: ignore[attr-defined]
    with clinic.engine.begin() as connection:
        connection.execute(
            update(table).where(table.c.id == clinic.ids["chair"]).values(discharge_undo_until=past)
        )
    before = appointment(clinic)
    clinic.post(
        nurse, f"/staff/appointments/{clinic.ids['chair']}/undo-discharged", {}, "/staff/today"
    )
    page = clinic.get(nurse, "/staff/today")
    assert "not undone, the time to undo it has passed" in page
    after = appointment(clinic)
    assert after.discharged_at == before.discharged_at is not None
    assert clinic.audit("appointment.discharge_undone") == []
    assert "undo-discharged" not in page


def test_undo_needs_the_csrf_token(clinic: Clinic) -> None:
    nurse, _ = press(clinic)
    path = f"/staff/appointments/{clinic.ids['chair']}/undo-discharged"
    assert nurse.request("POST", path, {})[0] == 403
    assert appointment(clinic).discharged_at is not None


def test_the_api_still_discharges_at_once_as_documented(clinic: Clinic) -> None:
    token = create_token(clinic.engine, "room-tablet", NURSE, clinic.now)
    status, body = api(clinic, f"/api/appointments/{clinic.ids['chair']}/discharged", token=token)
    assert status == 200
    messages = body["messages"]
    assert isinstance(messages, list)
    assert {m["due_at"] for m in messages} == {body["discharged_at"]}
    assert appointment(clinic).discharge_undo_until is None
