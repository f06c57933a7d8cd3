"""Issue 23 over real HTTP: one queue of what needs a person, one state for a reply and its
alert, crises on every page, the page SMS's link, readable alert cards."""

from __future__ import annotations

import json
import re
import urllib.parse
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from followup.alerts import acknowledge, notification_text
from followup.alerts.views import view_of
from followup.db.models import Alert, InboundMessage, Patient, SymptomReport
from followup.messages.render import Renderer
from followup.replies.handle import Inbound, handle
from tests.conftest import ROOT
from tests.integration.test_sections import (  # noqa: F401 (fixtures)
    ANA,
    CLINIC_NUMBER,
    NURSE,
    Clinic,
    clinic,
    rows,
)
from tests.integration.test_sessions import (
    NURSE as SESSION_NURSE,
)
from tests.integration.test_sessions import Site, age, sessions_of, signed_in
from tests.integration.test_sessions import site as site  # the fixture
from tests.integration.test_staff_web import PASSWORD, Browser


def say(c: Clinic, sender: str, body: str, sid: str) -> InboundMessage:
    """A reply through the real pipeline, now."""
    handle(
        c.engine,
        c.protocol,
        Renderer(ROOT / "templates"),
        Inbound(sid, sender, CLINIC_NUMBER, body),
        datetime.now(UTC),
    )
    with Session(c.engine) as session:
        return session.exec(select(InboundMessage).where(InboundMessage.provider_sid == sid)).one()


def test_thanks_and_good_news_are_shown_but_not_queued_and_questions_are(clinic: Clinic) -> None:  # noqa: F811
    nurse = clinic.nurse()
    pleasant = [
        "Thanks!",
        "ok",
        "Feeling great today",
        "Muchas gracias 🙏",
        "Perfecto, nos vemos el martes",
    ]
    person = [
        "Thanks, can you call me?",
        "ok but my bladder burns",
        "not great",
        "Gracias por todo",
    ]
    said = {text: say(clinic, ANA, text, f"SMp{n}") for n, text in enumerate(pleasant + person)}
    queue = rows(clinic.get(nurse, "/staff/inbox"))
    everything = rows(clinic.get(nurse, "/staff/inbox?view=all"))
    for text in pleasant:
        m = said[text]
        assert not m.needs_attention and m.kind == "acknowledgement", text
        assert str(m.id) not in queue and str(m.id) in everything, text
    for text in person:
        assert said[text].needs_attention and str(said[text].id) in queue, text
    assert "thanks or good news" in clinic.get(nurse, "/staff/inbox?view=all")


def test_ok_after_a_nurse_texted_the_patient_waits_for_a_person(clinic: Clinic) -> None:  # noqa: F811
    # "Are you safe tonight?" answered "ok" is an answer, not a pleasantry.
    first = clinic.ids["in_free"]
    nurse = clinic.nurse()
    status, _, _ = clinic.post(
        nurse, f"/staff/inbox/{first}/reply", {"body": "Are you safe tonight?"}, "/staff/inbox"
    )
    assert status == 303 and clinic.fake.messages
    m = say(clinic, ANA, "ok", "SMafter")
    assert m.needs_attention and str(m.id) in rows(clinic.get(nurse, "/staff/inbox"))


def test_im_fine_while_a_crisis_of_theirs_is_open_waits_for_a_person(clinic: Clinic) -> None:  # noqa: F811
    # After "I want to die", "I'm fine, thanks" is for whoever handles the crisis to weigh.
    say(clinic, ANA, "I want to kill myself tonight", "SMcrisis-first")
    m = say(clinic, ANA, "I'm fine, thanks", "SMcrisis-then")
    assert m.needs_attention and m.kind == "free_text"
    assert str(m.id) in rows(clinic.get(clinic.nurse(), "/staff/inbox"))


def test_the_queue_is_paged_complete_urgent_first_and_counts_match_home(clinic: Clinic) -> None:  # noqa: F811
    now = datetime.now(UTC)
    with Session(clinic.engine) as session:
        ana = session.exec(select(Patient).where(Patient.external_id == "P1")).one()
        for n in range(130):  # older than the seed's crisis: age must not bury it
            session.add(
                InboundMessage(
                    provider_sid=f"SMbulk{n}",
                    from_number=ANA,
                    body=f"question {n}",
                    received_at=now - timedelta(days=2, minutes=n),
                    patient_id=ana.id,
                    kind="free_text",
                    needs_attention=True,
                )
            )
        session.commit()
        waiting = {
            str(i)
            for i in session.exec(
                select(InboundMessage.id).where(
                    col(InboundMessage.needs_attention), col(InboundMessage.handled_at).is_(None)
                )
            )
        }
    nurse = clinic.nurse()
    seen: list[str] = []
    path = "/staff/inbox"
    first = clinic.get(nurse, path)
    while True:
        page = clinic.get(nurse, path)
        seen += rows(page)
        found = re.search(r'<a rel="next" href="([^"]+)"', page)
        if not found:
            break
        path = found.group(1).replace("&amp;", "&")
    assert len(seen) == len(set(seen)) and set(seen) == waiting  # complete, none twice
    # Emergency, then crisis, on top of page 1 although 130 older ones wait.
    assert rows(first)[:2] == [str(clinic.ids["in_emergency"]), str(clinic.ids["in_crisis"])]
    assert f"<strong>{len(waiting)}</strong> waiting for a person" in first
    home = clinic.get(nurse, "/staff/")
    assert f"<strong>{len(waiting)}</strong> replies waiting for a person" in home
    assert re.search(rf'id="nav-waiting"[^>]*>{len(waiting)}<', home)
    assert 'rel="prev"' in clinic.get(nurse, "/staff/inbox?view=queue&page=2")


def test_handling_a_reply_acknowledges_its_alert_with_the_note_and_the_row_links_both(
    clinic: Clinic,  # noqa: F811
) -> None:
    nurse, ids = clinic.nurse(), clinic.ids
    page = clinic.get(nurse, "/staff/inbox")
    row = page[page.index(f'id="message-{ids["in_crisis"]}"') :]
    row = row[: row.index("</tr>")]
    assert f'href="/staff/alerts/{ids["crisis"]}"' in row and 'href="/staff/patients/P4"' in row
    clinic.post(
        nurse,
        f"/staff/inbox/{ids['in_crisis']}/handled",
        {"note": "Called Bea, safe"},
        "/staff/inbox",
    )
    with Session(clinic.engine) as session:
        alert = session.get(Alert, ids["crisis"])
        message = session.get(InboundMessage, ids["in_crisis"])
    assert alert is not None and message is not None
    assert alert.acknowledged_by == NURSE and alert.acknowledgement_note == "Called Bea, safe"
    assert message.handled_by == NURSE and message.handled_note == "Called Bea, safe"
    assert alert.acknowledged_at == message.handled_at and alert.next_escalation_at is None
    assert [e.record_id for e in clinic.audit("inbox.handled")] == [str(ids["in_crisis"])]
    assert str(ids["crisis"]) in [e.record_id for e in clinic.audit("alert.acknowledged")]


def test_acknowledging_an_alert_clears_its_reply_from_the_queue(clinic: Clinic) -> None:  # noqa: F811
    nurse, ids = clinic.nurse(), clinic.ids
    assert str(ids["in_emergency"]) in rows(clinic.get(nurse, "/staff/inbox"))
    clinic.post(
        nurse,
        f"/staff/alerts/{ids['emergency']}/acknowledge",
        {"note": "911 called"},
        "/staff/alerts",
    )
    assert str(ids["in_emergency"]) not in rows(clinic.get(nurse, "/staff/inbox"))
    with Session(clinic.engine) as session:
        message = session.get(InboundMessage, ids["in_emergency"])
    assert (
        message is not None and message.handled_by == NURSE and message.handled_note == "911 called"
    )
    [event] = clinic.audit("inbox.handled")
    assert "alerts page" in (event.after or "")


def test_crisis_and_emergency_rows_stand_apart_with_a_colour_and_an_icon(clinic: Clinic) -> None:  # noqa: F811
    page = clinic.get(clinic.nurse(), "/staff/inbox?view=all")
    for key, crisis in [
        ("in_crisis", True),
        ("in_emergency", True),
        ("in_free", False),
        ("in_call", False),
    ]:
        row = page[page.index(f'id="message-{clinic.ids[key]}"') :]
        row = row[: row.index("</tr>")]
        assert ("crisis-row" in row) is crisis and ("⚠" in row) is crisis, key
    css = (ROOT / "followup" / "web" / "static" / "style.css").read_text()
    assert "tr.crisis-row" in css and "--crisis:" in css


def test_every_page_shows_open_crises_in_a_banner_the_navigation_and_the_title(
    clinic: Clinic,  # noqa: F811
) -> None:
    nurse, ids = clinic.nurse(), clinic.ids
    for path in ("/staff/", "/staff/today", "/staff/inbox", "/staff/patients", "/staff/upcoming"):
        page = clinic.get(nurse, path)
        banner = page[
            page.index('id="crisis-banner"') : page.index(
                "</div>", page.index('id="crisis-banner"')
            )
        ]
        assert "hidden" not in banner.split(">")[0], path
        assert (
            "1 emergency, 1 crisis open" in banner and "min ago" in banner
        ) or "just now" in banner, path
        assert re.search(r"<title>\(⚠ 2\) ", page), path
        assert 'class="nav-count nav-crisis"' in page, path
        assert '<script src="/static/watch.js" defer></script>' in page, path
    status = json.loads(clinic.get(nurse, "/staff/alerts/status"))
    assert status["crises"] == 2 and status["href"] in {
        f"/staff/alerts/{ids['crisis']}",
        f"/staff/alerts/{ids['emergency']}",
    }
    for alert_id in (ids["crisis"], ids["emergency"]):
        acknowledge(clinic.engine, alert_id, NURSE, None, datetime.now(UTC))
    page = clinic.get(nurse, "/staff/today")
    assert re.search(r'id="crisis-banner"[^>]* hidden>', page) and "<title>(⚠" not in page
    assert json.loads(clinic.get(nurse, "/staff/alerts/status"))["banner"] == ""


def test_the_banner_poll_does_not_keep_a_session_awake(site: Site) -> None:
    browser = signed_in(site, SESSION_NURSE)
    age(site, SESSION_NURSE, idle=timedelta(minutes=9), since_sign_in=timedelta(hours=1))
    status, _, body = browser.request("GET", "/staff/alerts/status")
    assert status == 200 and "crises" in body
    [row] = sessions_of(site, SESSION_NURSE)
    assert datetime.now(UTC) - row.last_seen_at > timedelta(minutes=8)


def test_the_page_sms_links_to_the_alert_which_opens_after_sign_in(clinic: Clinic) -> None:  # noqa: F811
    alert_id = clinic.ids["crisis"]
    with Session(clinic.engine) as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        patient = session.get(Patient, alert.patient_id)
        _, text = notification_text(view_of(alert, patient), "Clinic", "https://clinic.example/")
    assert f"https://clinic.example/staff/alerts/{alert_id}" in text
    assert "kill myself" not in text and "script" not in text  # never the patient's words
    stranger = Browser(clinic.base)
    status, headers, _ = stranger.request("GET", f"/staff/alerts/{alert_id}")
    assert status == 303 and headers["location"] == f"/staff/sign-in?next=/staff/alerts/{alert_id}"
    for target, lands in [
        (f"/staff/alerts/{alert_id}", f"/staff/alerts/{alert_id}"),
        ("https://evil.example/staff/", "/staff/"),
        ("//evil.example/staff/", "/staff/"),
    ]:
        browser = Browser(clinic.base)
        form = {"csrf_token": browser.csrf(), "email": NURSE, "password": PASSWORD, "next": target}
        status, headers, _ = browser.request("POST", "/staff/sign-in", form)
        assert status == 303 and headers["location"] == lands, target
    status, headers, _ = browser.request("GET", f"/staff/alerts/{alert_id}")
    assert status == 303 and headers["location"] == f"/staff/alerts#alert-{alert_id}"
    assert urllib.parse.urlsplit(headers["location"]).netloc == ""


def test_alert_cards_are_one_per_patient_with_labels_not_keys_latest_first(clinic: Clinic) -> None:  # noqa: F811
    now = datetime.now(UTC)
    with Session(clinic.engine) as session:
        for n, (question, value, text) in enumerate(
            [
                ("side_effects", None, "nausea,bladder_pain"),
                ("mood", 2.0, "2"),
                ("anything_else", None, "(nothing)"),
            ]
        ):
            session.add(
                SymptomReport(
                    patient_id=clinic.ids["ana"],
                    survey="post_infusion",
                    question=question,
                    value=value,
                    text=text,
                    reported_at=now - timedelta(minutes=n),
                )
            )
        session.commit()
    page = clinic.get(clinic.nurse(), "/staff/alerts")
    ana = page[page.rindex("<article", 0, page.index(f'id="alert-{clinic.ids["high"]}"')) :]
    ana = ana[: ana.index("</article>")]
    assert "bladder_pain" not in ana and "anything_else" not in ana
    assert re.findall(r'<span class="question">([^<]+)</span>', ana)[:3] == [
        "Side effects",
        "Mood (0\u201310)",
        "Anything else",
    ]
    assert "nausea, bladder or urinary pain" in ana and "2 of 10" in ana
    assert page.count("<article") == len({"P1", "P3", "P4"}) + 1  # Grace's old one: below
