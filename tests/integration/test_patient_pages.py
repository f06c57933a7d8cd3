"""The patients roster, one patient's page with its chart, and the API tokens page, over
real HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from followup.db.models import (
    Alert,
    ApiToken,
    Appointment,
    AuditEvent,
    MessageStatus,
    Patient,
    ScheduledMessage,
)
from followup.protocol import Protocol
from followup.staff import add_staff
from followup.web.patients import clinic_time
from tests.integration.test_api import BASE, DAY, HTML_REPLY, NOW, seed
from tests.integration.test_staff_web import PASSWORD, Browser, Site, serve

SVG = "{http://www.w3.org/2000/svg}"
ADMIN, NURSE = "admin@example.org", "nurse@example.org"


@dataclass
class Pages:
    site: Site
    protocol: Protocol

    def signed_in(self, email: str) -> Browser:
        browser = self.site.browser()
        status, _, _ = browser.sign_in(email, PASSWORD)
        assert status == 303
        return browser

    def when(self, moment: datetime) -> str:
        return clinic_time(moment, self.protocol.clinic.tz)


@pytest.fixture
def pages(engine: Engine, protocol: Protocol) -> Iterator[Pages]:
    seed(engine)
    add_staff(engine, ADMIN, "admin", PASSWORD, NOW)
    add_staff(engine, NURSE, "clinician", PASSWORD, NOW)
    for site in serve(engine, protocol, "http://127.0.0.1"):
        yield Pages(site, protocol)


def row_of(page: str, external_id: str) -> str:
    match = re.search(rf'<tr data-patient="{external_id}">(.*?)</tr>', page, re.S)
    assert match, external_id
    return match.group(1)


def cell(row: str, name: str) -> str:
    match = re.search(rf'<td class="{name}">(.*?)</td>', row, re.S)
    assert match, name
    return re.sub(r"<[^>]+>", " ", match.group(1)).split()[0]


def the_chart(page: str) -> ET.Element:
    """The inline SVG, parsed: it must be well-formed on its own."""
    match = re.search(r"<svg\b.*?</svg>", page, re.S)
    assert match, "no <svg> chart on the page"
    return ET.fromstring(match.group(0))


def test_the_roster_shows_consent_opt_out_reachability_pause_and_next_infusion(
    pages: Pages,
) -> None:
    status, _, page = pages.signed_in(NURSE).request("GET", "/staff/patients")
    assert status == 200 and "3 patients" in page
    # Sorted by last name: García, Okafor, Rivera.
    assert page.index('data-patient="P002"') < page.index('data-patient="P003"')
    assert page.index('data-patient="P003"') < page.index('data-patient="P001"')
    ana, luis, grace = (row_of(page, p) for p in ("P001", "P002", "P003"))
    assert [cell(ana, c) for c in ("consent-sms", "consent-email", "opted-out")] == [
        "yes",
        "yes",
        "no",
    ]
    assert pages.when(NOW + 3 * DAY) in ana and 'href="/staff/patients/P001"' in ana
    assert [cell(luis, c) for c in ("consent-sms", "consent-email", "opted-out")] == [
        "yes",
        "no",
        "opted",
    ]
    assert pages.when(BASE + DAY) in luis and "García" in luis and ">es<" in luis
    assert cell(grace, "unreachable") == "unreachable" and "landline" in grace
    assert cell(grace, "paused") == "paused" and "none booked" in grace
    assert "America/Chicago" in ana  # Ana's own zone; the others use the clinic's


def test_the_patient_page_shows_infusions_messages_replies_and_a_chart(pages: Pages) -> None:
    status, _, page = pages.signed_in(NURSE).request("GET", "/staff/patients/P001")
    assert status == 200 and "Ana Rivera" in page

    # Infusions: start in clinic time, status, confirmation, discharge.
    assert pages.when(BASE) in page and "completed" in page and "confirmed" in page
    assert pages.when(BASE + timedelta(minutes=100)) in page  # discharged
    for step in ("preparation", "checkin_day1", "checkin_day3", "checkin_day7"):
        assert f"<td>{step}</td>" in page
    assert "30006 Landline or unreachable carrier" in page  # why it failed
    assert "<td>opted out</td>" in page  # why it was skipped
    assert "Prepare: fast 6h" in page and "written when sent" in page

    # Replies: the patient's text is shown, escaped; our answer beside it.
    assert HTML_REPLY not in page and "<script>alert" not in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "Thanks. Any side effects?" in page and "needs a person" in page
    assert "who is this" not in page  # another sender's message is not Ana's

    # The chart: one dot per score (3 mood, 2 pain), the three past infusions marked.
    chart = the_chart(page)
    assert chart.get("role") == "img"
    dots = [c for c in chart.iter(f"{SVG}circle") if c.get("class") == "point"]
    assert sorted((c.get("data-series"), c.get("data-value")) for c in dots) == [
        ("mood", "4"),
        ("mood", "6"),
        ("mood", "8"),
        ("pain", "5"),
        ("pain", "7"),
    ]
    markers = [g for g in chart.iter(f"{SVG}g") if g.get("class") == "infusion"]
    assert len(markers) == 3  # the booked one in three days is not drawn


def test_a_patient_without_answers_gets_the_empty_chart(pages: Pages) -> None:
    status, _, page = pages.signed_in(NURSE).request("GET", "/staff/patients/P002")
    assert status == 200 and "no answers yet" in page
    assert not list(the_chart(page).iter(f"{SVG}circle"))
    assert "No messages planned." in page and "No replies from this patient." in page


def test_an_unknown_patient_is_a_404_page(pages: Pages) -> None:
    status, _, page = pages.signed_in(NURSE).request("GET", "/staff/patients/%3Cb%3EP9")
    assert status == 404 and "No patient has the id &lt;b&gt;P9." in page


def token_works(site: Site, token: str) -> bool:
    request = urllib.request.Request(
        site.base + "/api/patients", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return bool(response.status == 200)
    except urllib.error.HTTPError as exc:
        exc.close()
        assert exc.code == 401
        return False


def test_only_admins_reach_the_tokens_page(pages: Pages) -> None:
    nurse = pages.signed_in(NURSE)
    assert nurse.request("GET", "/staff/tokens")[0] == 403
    csrf = nurse.csrf("/staff/")
    assert nurse.request("POST", "/staff/tokens", {"csrf_token": csrf, "name": "x"})[0] == 403
    assert nurse.request("POST", "/staff/tokens/1/revoke", {"csrf_token": csrf})[0] == 403
    _, _, home = nurse.request("GET", "/staff/")
    assert 'href="/staff/tokens"' not in home
    with Session(pages.site.engine) as session:
        assert session.exec(select(ApiToken)).all() == []


def test_an_admin_creates_a_token_seen_once_and_revokes_it(pages: Pages) -> None:
    admin = pages.signed_in(ADMIN)
    status, _, page = admin.request("GET", "/staff/tokens")
    assert status == 200 and "No tokens yet." in page

    assert admin.request("POST", "/staff/tokens", {"name": "ehr-bridge"})[0] == 403
    csrf = admin.csrf("/staff/tokens")
    status, headers, page = admin.request(
        "POST", "/staff/tokens", {"csrf_token": csrf, "name": "  ehr-bridge  "}
    )
    assert status == 201 and headers["cache-control"] == "no-store"
    match = re.search(r'<code class="token" id="new-token">(fu_[\w-]+)</code>', page)
    assert match and "shown only this once" in page
    token = match.group(1)
    assert token_works(pages.site, token)

    status, _, listing = admin.request("GET", "/staff/tokens")
    assert status == 200 and token not in listing  # never shown again
    assert "<td>ehr-bridge</td>" in listing and f"<td>{ADMIN}</td>" in listing
    assert "never" not in listing  # it was just used, and the list says when

    # A second live token with the same name is refused; so is an empty name.
    for name in ("ehr-bridge", "   "):
        status, _, page = admin.request("POST", "/staff/tokens", {"csrf_token": csrf, "name": name})
        assert status == 400 and 'role="alert"' in page
    with Session(pages.site.engine) as session:
        [row] = session.exec(select(ApiToken)).all()
    token_id = row.id

    # Revoking needs the CSRF token; without it nothing changes.
    assert admin.request("POST", f"/staff/tokens/{token_id}/revoke", {})[0] == 403
    assert token_works(pages.site, token)
    status, headers, _ = admin.request(
        "POST", f"/staff/tokens/{token_id}/revoke", {"csrf_token": csrf}
    )
    assert status == 303 and headers["location"] == "/staff/tokens"
    assert not token_works(pages.site, token)
    _, _, listing = admin.request("GET", "/staff/tokens")
    assert "revoked" in listing and f"/staff/tokens/{token_id}/revoke" not in listing
    status, _, page = admin.request("POST", "/staff/tokens/9999/revoke", {"csrf_token": csrf})
    assert status == 404 and "No API token has id 9999." in page

    with Session(pages.site.engine) as session:
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    token_events = [(e.actor, e.action) for e in events if e.record_type == "api_token"]
    assert token_events == [(ADMIN, "token.create"), (ADMIN, "token.revoke")]
    assert all(token not in (e.after or "") for e in events)


# -- what needs a person first, a page of history, and the roster's search -------------


def add_messages(engine: Engine, external_id: str, count: int) -> None:
    """`count` sent SMS and emails for a patient, one a day back from NOW, in bulk."""
    with Session(engine) as session:
        patient = session.exec(select(Patient).where(Patient.external_id == external_id)).one()
        appt = session.exec(select(Appointment).where(Appointment.patient_id == patient.id)).first()
        assert appt is not None
        session.add_all(
            ScheduledMessage(
                appointment_id=appt.id or 0,
                patient_id=patient.id or 0,
                step=f"bulk_{n:03d}",
                kind="checkin",
                template="checkin",
                channel="sms" if n % 2 else "email",
                due_at=NOW - n * DAY,
                status=MessageStatus.SENT if n % 3 else MessageStatus.FAILED,
                body=f"history {n:03d}",
                created_at=NOW,
                updated_at=NOW,
            )
            for n in range(1, count + 1)
        )
        session.commit()


def test_the_patient_page_puts_open_alerts_and_latest_replies_before_the_chart(
    pages: Pages,
) -> None:
    _, _, page = pages.signed_in(NURSE).request("GET", "/staff/patients/P003")
    # Grace's open crisis is first, with a link to it; then her replies; then the chart.
    alerts, replies = page.index('<h2 id="open-alerts">'), page.index('<h2 id="replies">')
    assert alerts < replies < page.index("<svg") < page.index('<h2 id="messages">')
    with Session(pages.site.engine) as session:
        [alert] = session.exec(select(Alert).where(col(Alert.acknowledged_at).is_(None))).all()
    section = page[alerts:replies]
    assert "critical" in section and "crisis language" in section
    assert f'href="/staff/alerts#alert-{alert.id}"' in section
    # Ana's alert was acknowledged: her page says nothing is open.
    _, _, ana = pages.signed_in(NURSE).request("GET", "/staff/patients/P001")
    assert "No open alert about this patient." in ana
    assert (
        ana.index('<h2 id="replies">') < ana.index("Thanks. Any side effects?") < ana.index("<svg")
    )


def test_the_message_history_is_paged_newest_first(pages: Pages) -> None:
    add_messages(pages.site.engine, "P001", 120)
    nurse = pages.signed_in(NURSE)
    _, _, first = nurse.request("GET", "/staff/patients/P001")
    history = first[first.index('<h2 id="messages">') :]
    bodies = re.findall(r"history (\d{3})", history)
    # Fifty a page; the bulk rows are all in the past, the planned ones come before them.
    assert len(re.findall(r'<tr data-status="', history)) == 50
    assert bodies == sorted(bodies) and bodies[0] == "001"
    assert "page 1 of 3" in history and 'rel="next"' in history
    _, _, last = nurse.request("GET", "/staff/patients/P001?page=3")
    tail = re.findall(r"history (\d{3})", last[last.index('<h2 id="messages">') :])
    assert tail[-1] == "120" and 'rel="prev"' in last and 'rel="next"' not in last


def test_the_message_history_filters_by_status_channel_and_step(pages: Pages) -> None:
    add_messages(pages.site.engine, "P001", 30)
    nurse = pages.signed_in(NURSE)
    _, _, page = nurse.request("GET", "/staff/patients/P001?status=failed&channel=sms")
    history = page[page.index('<h2 id="messages">') :]
    rows = re.findall(r'<tr data-status="([a-z]+)">(.*?)</tr>', history, re.S)
    wanted = [n for n in range(1, 31) if n % 3 == 0 and n % 2]
    # The seed's own failed SMS (30006) and the bulk ones that failed by SMS, no others.
    assert {s for s, _ in rows} == {"failed"} and len(rows) == len(wanted) + 1
    assert all("<td>sms</td>" in row for _, row in rows)
    assert re.findall(r"history (\d{3})", history) == [f"{n:03d}" for n in wanted]
    assert f"{len(wanted) + 1} messages match" in history
    assert '<option value="failed" selected>' in history
    _, _, one = nurse.request("GET", "/staff/patients/P001?step=bulk_007")
    assert re.findall(r"history (\d{3})", one) == ["007"]
    assert '<option value="bulk_007" selected>' in one
    # An unknown status is dropped, not an error.
    status, _, any_ = nurse.request("GET", "/staff/patients/P001?status=bogus")
    assert status == 200 and "messages, newest first" in any_


def test_the_roster_is_searched_by_name_id_or_phone_in_any_format(pages: Pages) -> None:
    nurse = pages.signed_in(NURSE)

    def found(query: str) -> list[str]:
        _, _, page = nurse.request("GET", "/staff/patients?" + urlencode({"q": query}))
        return re.findall(r'<tr data-patient="([^"]+)">', page)

    assert found("ana") == ["P001"] and found("RIVERA") == ["P001"]
    assert found("ana rivera") == ["P001"] and found("ana okafor") == []
    assert found("P003") == ["P003"]
    for phone in ("(402) 555-0134", "402.555.0134", "+1 402 555 0134", "4025550134", "0134"):
        assert found(phone) == ["P001"], phone
    assert found("212-555-0181") == ["P003"]
    assert found("nobody") == []
    _, _, page = nurse.request("GET", "/staff/patients?q=nobody")
    assert "No patient matches" in page and "0 patients match" in page
    # A percent sign is a character to find, not a wildcard.
    assert found("%") == []


def test_the_roster_is_paged(pages: Pages) -> None:
    with Session(pages.site.engine) as session:
        session.add_all(
            Patient(
                external_id=f"X{n:03d}",
                first_name="Many",
                last_name=f"Zz{n:03d}",
                created_at=NOW,
                updated_at=NOW,
            )
            for n in range(120)
        )
        session.commit()
    nurse = pages.signed_in(NURSE)
    _, _, first = nurse.request("GET", "/staff/patients")
    rows = re.findall(r'<tr data-patient="([^"]+)">', first)
    assert len(rows) == 50 and rows[:3] == ["P002", "P003", "P001"]
    assert "123 patients, page 1 of 3" in first
    _, _, last = nurse.request("GET", "/staff/patients?page=3")
    assert re.findall(r'<tr data-patient="([^"]+)">', last) == [f"X{n:03d}" for n in range(97, 120)]
    # The search keeps its words across pages.
    _, _, many = nurse.request("GET", "/staff/patients?q=many&page=2")
    assert 'href="/staff/patients?q=many&amp;page=3"' in many
