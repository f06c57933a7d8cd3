"""The template editor over real HTTP, and what the worker then sends, on both databases.

Edits go through the staff pages as a person's browser would send them; sending goes
through the worker's own `build_runner` (its Renderer reads the edits) to the outbox.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from followup.calendar.importing import ImportWindow, import_files
from followup.channels.base import Envelope, Receipt
from followup.channels.outbox import OutboxChannel
from followup.db.engine import make_engine
from followup.db.models import (
    Appointment,
    AuditEvent,
    MessageStatus,
    ReplyMessage,
    ScheduledMessage,
    TemplateRevision,
)
from followup.messages.check import REPLY_TEMPLATES
from followup.messages.context import reply_context, sample_context
from followup.messages.render import Renderer
from followup.messages.revisions import PartKey, RevisionSource, save_revision
from followup.protocol import Protocol
from followup.settings import Settings
from followup.staff import add_staff
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.web import serving
from followup.web.app import create_app
from followup.worker import build_runner
from tests.conftest import ROOT
from tests.integration.test_dispatch import (
    INFUSION,
    PLANNED_AT,
    REMINDER_DUE,
    ROSTER,
    ics,
)
from tests.integration.test_staff_web import PASSWORD, Browser, Site, serve
from tests.integration.test_webhooks import CLINIC, PUBLIC, SID, TOKEN, Server

ADMIN, OTHER_ADMIN, CLINICIAN = "admin@example.org", "second.admin@example.org", "nurse@example.org"
SMS = "/staff/templates/en/reminder/sms.txt"
HTML = "/staff/templates/en/preparation/email_body.html"
TYPO = "{{ clinic_name }}: your appointment is today at {{ appointment_time }}.\n{{ appointment_tiem }}\n"
EDITED = "{{ clinic_name }}: see you today at {{ appointment_time }}. Bring a friend to drive you home. {{ reply_hint }}\n"
EDITED_TEXT = (
    "Lakeside Infusion Clinic: see you today at 2:00 PM. Bring a friend to drive you home. "
    "Reply STOP to opt out."
)
HELP = "/staff/templates/en/reply_help/sms.txt"
CRISIS = "/staff/templates/en/reply_crisis/sms.txt"
ANA_PHONE = "+14025550134"  # the roster's (402) 555-0134
HELP_EDITED = (
    "{% if patient_first_name %}Hi {{ patient_first_name }}. {% endif %}"
    "{{ clinic_name }} is here to help: call {{ clinic_phone }}. {{ reply_hint }}\n"
)
HELP_EDITED_TEXT = (
    "Hi Ana. Lakeside Infusion Clinic is here to help: call (402) 555-0100. Reply STOP to opt out."
)
SANDBOX_ESCAPES = ["{{ ''.__class__.__mro__ }}", "{{ clinic_name|attr('__class__') }}"]


@dataclass
class Editor:
    """The running site with its accounts, and helpers to drive the editor as a browser does."""

    site: Site
    engine: Engine
    protocol: Protocol
    tmp_path: Path

    def signed_in(self, email: str) -> Browser:
        browser = self.site.browser()
        status, _, _ = browser.sign_in(email, PASSWORD)
        assert status == 303
        return browser

    def save(
        self, browser: Browser, body: str, path: str = SMS, base: str | None = None
    ) -> tuple[int, dict[str, str], str]:
        _, _, page = browser.request("GET", path)
        if base is None:
            match = re.search(r'name="base_revision" value="(\d*)"', page)
            base = match.group(1) if match else ""
        form = {"csrf_token": browser.csrf(path), "body": body, "base_revision": base}
        return browser.request("POST", f"{path}/save", form)

    def post(self, browser: Browser, path: str) -> tuple[int, dict[str, str], str]:
        return browser.request("POST", path, {"csrf_token": browser.csrf(SMS)})

    def preview(
        self, browser: Browser, body: str, csrf: str | None, **fields: str
    ) -> tuple[int, dict[str, object]]:
        payload = {"language": "en", "template": "reminder", "part": "sms.txt", "body": body}
        payload.update(fields)
        request = urllib.request.Request(
            browser.base + "/staff/templates/preview",
            data=json.dumps(payload).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "X-CSRF-Token": csrf or ""},
        )
        try:
            with browser.opener.open(request, timeout=15) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code, {}

    def revisions(self) -> list[TemplateRevision]:
        with Session(self.engine) as session:
            return list(session.exec(select(TemplateRevision).order_by(col(TemplateRevision.id))))

    def audit_events(self) -> list[AuditEvent]:
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(AuditEvent)
                    .where(col(AuditEvent.action).startswith("template."))
                    .order_by(col(AuditEvent.id))
                )
            )

    def send_due(self, at: datetime) -> list[Envelope]:
        """One pass of the worker, built as the worker builds it, with the outbox channels."""
        url = self.engine.url.render_as_string(hide_password=False)
        settings = Settings(database_url=url, templates_dir=ROOT / "templates")
        runner = build_runner(self.engine, settings, self.protocol)
        sent: list[Envelope] = []
        runner.dispatcher.channels = {
            "sms": Recording("sms", sent),
            "email": Recording("email", sent),
        }
        runner.dispatcher.now = lambda: at
        try:
            runner.run_once()
        finally:
            runner.close()
        return sent

    def reminder(self) -> ScheduledMessage:
        with Session(self.engine) as session:
            return session.exec(
                select(ScheduledMessage).where(
                    ScheduledMessage.step == "reminder", ScheduledMessage.channel == "sms"
                )
            ).one()


class Recording(OutboxChannel):
    """The outbox, keeping what it was handed so the test can read it."""

    def __init__(self, name: str, sent: list[Envelope]) -> None:
        super().__init__("sms" if name == "sms" else "email")
        self.sent = sent

    def send(self, envelope: Envelope) -> Receipt:
        self.sent.append(envelope)
        return super().send(envelope)


@pytest.fixture
def editor(engine: Engine, protocol: Protocol, tmp_path: Path) -> Iterator[Editor]:
    now = datetime.now(UTC)
    for email, role in ((ADMIN, "admin"), (OTHER_ADMIN, "admin"), (CLINICIAN, "clinician")):
        add_staff(engine, email, role, PASSWORD, now)
    roster, calendar = tmp_path / "roster.csv", tmp_path / "room.ics"
    roster.write_text(ROSTER)
    calendar.write_text(ics(INFUSION))
    window = ImportWindow(PLANNED_AT, timedelta(days=8), timedelta(days=60))
    assert [r.error for r in import_files(engine, protocol, window, roster, [calendar])] == [
        None,
        None,
    ]
    for site in serve(engine, protocol, "http://127.0.0.1"):
        yield Editor(site, engine, protocol, tmp_path)


def text_of(page: str) -> str:
    """The page as a person reads it: tags gone, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


# -- who may do what -------------------------------------------------------------------------


def test_a_clinician_may_read_and_preview_but_not_save_roll_back_or_reset(editor: Editor) -> None:
    nurse = editor.signed_in(CLINICIAN)
    status, _, page = nurse.request("GET", "/staff/templates")
    assert status == 200 and f'href="{SMS}"' in page
    status, _, page = nurse.request("GET", SMS)
    assert status == 200 and "readonly" in page and "Roll back" not in page
    status, answer = editor.preview(nurse, EDITED, nurse.csrf(SMS))
    assert status == 200 and answer["ok"] is True

    assert editor.save(nurse, EDITED)[0] == 403
    assert editor.post(nurse, f"{SMS}/reset")[0] == 403
    assert editor.post(nurse, f"{SMS}/rollback/1")[0] == 403
    assert editor.revisions() == [] and editor.audit_events() == []


def test_a_post_without_the_csrf_token_changes_nothing(editor: Editor) -> None:
    admin = editor.signed_in(ADMIN)
    status, _, _ = admin.request("POST", f"{SMS}/save", {"body": EDITED, "base_revision": ""})
    assert status == 403
    assert editor.preview(admin, EDITED, csrf=None)[0] == 403
    assert editor.revisions() == []


def test_parts_the_protocol_does_not_send_are_not_editable(editor: Editor) -> None:
    admin = editor.signed_in(ADMIN)
    # The reminder goes by SMS only, as every reply does; no reply is called reply_nothing.
    for path in (
        "/staff/templates/en/reminder/email_subject.txt",
        "/staff/templates/en/reply_help/email_subject.txt",
        "/staff/templates/en/reply_nothing/sms.txt",
        "/staff/templates/fr/reply_help/sms.txt",
        "/staff/templates/fr/reminder/sms.txt",
        "/staff/templates/en/_layout.html/sms.txt",
        "/staff/templates/en/reminder/..%2F..%2Fsecret",
    ):
        assert admin.request("GET", path)[0] == 404, path


# -- refused at save ---------------------------------------------------------------------------


def test_an_admins_typo_is_refused_with_its_line_and_nothing_is_stored(editor: Editor) -> None:
    admin = editor.signed_in(ADMIN)
    status, _, page = editor.save(admin, TYPO)
    assert status == 422
    text = text_of(page)
    assert "Not saved." in text
    assert "en/reminder/sms.txt.j2:2: 'appointment_tiem' is undefined" in text
    assert "{{ appointment_tiem }}" in text  # the admin's text is kept to fix
    assert editor.revisions() == [] and editor.audit_events() == []


@pytest.mark.parametrize("escape", SANDBOX_ESCAPES)
def test_a_sandbox_escape_is_refused_at_save(editor: Editor, escape: str) -> None:
    admin = editor.signed_in(ADMIN)
    status, _, page = editor.save(admin, f"{{{{ clinic_name }}}}\n{escape}\n")
    assert status == 422
    assert re.search(r"en/reminder/sms\.txt\.j2:2: .*unsafe", text_of(page)), text_of(page)
    assert editor.revisions() == []


def test_a_template_that_includes_itself_is_refused_at_save(editor: Editor) -> None:
    admin = editor.signed_in(ADMIN)
    body = 'Hi\n{% include "en/reminder/sms.txt.j2" %}\n'
    status, _, page = editor.save(admin, body)
    assert status == 422 and "does it include itself?" in text_of(page)
    assert editor.revisions() == []


def test_a_variable_only_present_with_a_next_infusion_is_refused(editor: Editor) -> None:
    admin = editor.signed_in(ADMIN)
    body = "See you {{ next_appointment_date.upper() }}\n"
    status, _, page = editor.save(admin, body)
    assert status == 422 and "en/reminder/sms.txt.j2:1: " in text_of(page)
    assert editor.revisions() == []


# -- saved, audited, sent ----------------------------------------------------------------------


def test_a_valid_save_is_a_revision_with_an_audit_event_and_the_worker_sends_it(
    editor: Editor,
) -> None:
    admin = editor.signed_in(ADMIN)
    status, headers, _ = editor.save(admin, EDITED.replace("\n", "\r\n"))
    assert status == 303 and headers["location"] == f"{SMS}?done=saved"

    [revision] = editor.revisions()
    assert (revision.template, revision.language, revision.part) == ("reminder", "en", "sms.txt")
    assert revision.body == EDITED and revision.author == ADMIN  # stored with LF line ends
    [event] = editor.audit_events()
    assert (event.actor, event.action, event.record_id) == (
        ADMIN,
        "template.save",
        str(revision.id),
    )
    before, after = json.loads(event.before or ""), json.loads(event.after or "")
    assert before == {
        "name": "en/reminder/sms.txt.j2",
        "revision": None,
        "file_default": True,
        "body": None,
    }
    assert after["body"] == EDITED and after["revision"] == revision.id

    _, _, page = admin.request("GET", f"{SMS}?done=saved")
    assert "Saved." in page and f"edited</strong> by {ADMIN}" in page

    sent = editor.send_due(REMINDER_DUE)
    reminder = editor.reminder()
    assert reminder.status == MessageStatus.SENT and reminder.body == EDITED_TEXT
    assert EDITED_TEXT in [envelope.text for envelope in sent]


def test_an_edit_with_python_internals_put_straight_into_the_database_fails_at_send(
    editor: Editor,
) -> None:
    with Session(editor.engine) as session:
        session.add(
            TemplateRevision(
                template="reminder",
                language="en",
                part="sms.txt",
                body="Hi\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n",
                author="someone@example.org",
                created_at=datetime.now(UTC),
            )
        )
        session.commit()

    sent = editor.send_due(REMINDER_DUE)

    reminder = editor.reminder()
    assert reminder.status == MessageStatus.FAILED and reminder.error_code == "render"
    assert (reminder.error_text or "").startswith("en/reminder/sms.txt.j2:2: ")
    assert "unsafe" in (reminder.error_text or "")
    assert reminder.body is None and reminder.provider_id is None and reminder.attempts == 0
    assert all(envelope.message_id != reminder.id for envelope in sent)


def test_two_admins_editing_at_once_cannot_overwrite_each_other_unseen(editor: Editor) -> None:
    first, second = editor.signed_in(ADMIN), editor.signed_in(OTHER_ADMIN)
    _, _, page = second.request("GET", SMS)
    opened_on = re.search(r'name="base_revision" value="(\d*)"', page)
    assert opened_on is not None
    assert editor.save(first, EDITED)[0] == 303

    status, _, page = editor.save(second, "Other {{ clinic_name }}\n", base=opened_on.group(1))

    assert status == 409 and f"changed by {ADMIN}" in text_of(page)
    assert [r.author for r in editor.revisions()] == [ADMIN]
    # Having seen it, a second save replaces it on purpose.
    assert editor.save(second, "Other {{ clinic_name }}\n")[0] == 303
    assert [r.author for r in editor.revisions()] == [ADMIN, OTHER_ADMIN]


def test_roll_back_and_reset_are_revisions_audited_and_take_effect(editor: Editor) -> None:
    worker = Renderer(ROOT / "templates", overrides=RevisionSource(editor.engine))
    step = next(s for s in editor.protocol.steps_for(None) if s.key == "reminder")
    context = sample_context(editor.protocol, "en", step)
    file_text = worker.render("reminder", "en", "sms", context).text
    admin = editor.signed_in(ADMIN)
    assert editor.save(admin, "First {{ clinic_name }}\n")[0] == 303
    assert editor.save(admin, "Second {{ clinic_name }}\n")[0] == 303
    assert worker.render("reminder", "en", "sms", context).text == "Second Lakeside Infusion Clinic"
    first = editor.revisions()[0]

    status, headers, _ = editor.post(admin, f"{SMS}/rollback/{first.id}")

    assert status == 303 and headers["location"] == f"{SMS}?done=rolled-back"
    assert worker.render("reminder", "en", "sms", context).text == "First Lakeside Infusion Clinic"
    assert [r.body for r in editor.revisions()] == [
        "First {{ clinic_name }}\n",
        "Second {{ clinic_name }}\n",
        "First {{ clinic_name }}\n",
    ]
    rolled = editor.audit_events()[-1]
    assert rolled.action == "template.rollback"
    assert json.loads(rolled.before or "")["body"] == "Second {{ clinic_name }}\n"
    assert json.loads(rolled.after or "")["to_revision"] == first.id

    status, headers, _ = editor.post(admin, f"{SMS}/reset")

    assert status == 303 and headers["location"] == f"{SMS}?done=reset"
    assert editor.revisions()[-1].body is None
    assert worker.render("reminder", "en", "sms", context).text == file_text
    reset = editor.audit_events()[-1]
    assert (reset.action, reset.actor) == ("template.reset", ADMIN)
    assert json.loads(reset.after or "")["file_default"] is True
    _, _, page = admin.request("GET", SMS)
    assert "the file default</strong>" in page and "Reset to the file default." in page
    # Another part's revision, or one that does not exist, is not this part's to restore.
    assert editor.post(admin, f"{SMS}/rollback/999999")[0] == 404


def test_an_edit_takes_effect_without_a_restart_and_untouched_templates_stay_compiled(
    editor: Editor,
) -> None:
    worker = Renderer(ROOT / "templates", overrides=RevisionSource(editor.engine))
    steps = {s.key: s for s in editor.protocol.steps_for(None)}
    reminder = sample_context(editor.protocol, "en", steps["reminder"])
    discharge = sample_context(editor.protocol, "en", steps["discharge"])
    worker.render("reminder", "en", "sms", reminder)
    worker.render("discharge", "en", "sms", discharge)
    compiled = worker.env.get_template("en/discharge/sms.txt.j2")

    save_revision(
        editor.engine,
        PartKey("reminder", "en", "sms.txt"),
        "Changed {{ clinic_name }}",
        ADMIN,
        datetime.now(UTC),
    )

    assert (
        worker.render("reminder", "en", "sms", reminder).text == "Changed Lakeside Infusion Clinic"
    )
    worker.render("discharge", "en", "sms", discharge)
    assert worker.env.get_template("en/discharge/sms.txt.j2") is compiled


# -- the editor page -------------------------------------------------------------------------


def test_html_in_a_template_body_is_escaped_in_the_editor_and_its_diffs(editor: Editor) -> None:
    admin = editor.signed_in(ADMIN)
    _, _, page = admin.request("GET", HTML)
    textarea = re.search(r"<textarea[^>]*>\n(.*?)</textarea>", page, re.S)
    assert textarea is not None
    current = html.unescape(textarea.group(1))
    injected = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    body = current.replace("{% block content %}", "{% block content %}\n" + injected, 1)
    assert editor.save(admin, body, path=HTML)[0] == 303

    _, _, page = admin.request("GET", HTML)

    assert "<script>alert(2)</script>" not in page and "<img src=x" not in page
    escaped = "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"
    assert f'<span class="d-add">+{escaped}</span>' in page  # in the diffs
    assert page.count(escaped) == 3  # the textarea, against the previous, against the file


def test_the_list_marks_edited_parts_with_author(editor: Editor) -> None:
    admin = editor.signed_in(ADMIN)
    assert editor.save(admin, EDITED)[0] == 303
    _, _, page = admin.request("GET", "/staff/templates")
    row = re.search(rf'<a href="{re.escape(SMS)}"[^>]*>(.*?)</a>(.*?)</td>', page, re.S)
    assert row is not None and row.group(1) == "Edited" and f"by {ADMIN}" in row.group(2)
    untouched = re.search(r'<a href="/staff/templates/es/reminder/sms.txt"[^>]*>(.*?)</a>', page)
    assert untouched is not None and untouched.group(1) == "File default"
    for part in ("sms.txt", "email_subject.txt", "email_body.txt", "email_body.html"):
        assert f'href="/staff/templates/en/preparation/{part}"' in page


# -- the live preview --------------------------------------------------------------------------


def test_the_preview_renders_counts_segments_and_names_the_line_of_an_error(
    editor: Editor,
) -> None:
    admin = editor.signed_in(ADMIN)
    csrf = admin.csrf(SMS)

    status, answer = editor.preview(admin, TYPO, csrf)
    assert status == 200 and answer == {
        "ok": False,
        "error": "en/reminder/sms.txt.j2:2: 'appointment_tiem' is undefined",
    }

    status, answer = editor.preview(admin, EDITED, csrf)
    assert answer["ok"] is True and answer["text"] == EDITED_TEXT.replace("2:00 PM", "9:30 AM")
    assert answer["sms"] == {
        "encoding": "GSM-7",
        "segments": 1,
        "characters": len(str(answer["text"])),
        "per_segment": 160,
        "non_gsm": [],
    }

    _, answer = editor.preview(admin, "Hola {{ patient_first_name }} 🙂 ¿cómo está?", csrf)
    assert answer["sms"] == {
        "encoding": "UCS-2",
        "segments": 1,
        "characters": 23,  # the emoji is two UTF-16 units
        "per_segment": 70,
        "non_gsm": ["🙂 (U+1F642)", "ó (U+00F3)", "á (U+00E1)"],
    }

    with Session(editor.engine) as session:
        appointment = session.exec(select(Appointment)).one()
    _, answer = editor.preview(admin, EDITED, csrf, context=f"appointment:{appointment.id}")
    assert answer["text"] == EDITED_TEXT  # the infusion's time in New York

    _, answer = editor.preview(admin, "{{ ''.__class__ }}", csrf)
    assert answer["ok"] is False and "unsafe" in str(answer["error"])


def test_the_preview_of_an_html_part_returns_escaped_html(editor: Editor) -> None:
    admin = editor.signed_in(ADMIN)
    status, answer = editor.preview(
        admin,
        '{% extends "en/_layout.html.j2" %}{% block content %}<p>{{ "<b>" }} {{ clinic_name }}</p>{% endblock %}',
        admin.csrf(HTML),
        template="preparation",
        part="email_body.html",
    )
    assert status == 200 and answer["ok"] is True
    assert "<p>&lt;b&gt; Lakeside Infusion Clinic</p>" in str(answer["html"])


# -- `followup templates check` reads the edits ---------------------------------------------


def test_templates_check_reports_a_broken_web_edit_by_file_and_line(editor: Editor) -> None:
    with Session(editor.engine) as session:
        session.add(
            TemplateRevision(
                template="reminder",
                language="es",
                part="sms.txt",
                body="Hola\n{{ appointment_tiem }}\n",
                author=ADMIN,
                created_at=datetime.now(UTC),
            )
        )
        session.commit()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env.update(
        FOLLOWUP_DATABASE_URL=editor.engine.url.render_as_string(hide_password=False),
        FOLLOWUP_PROTOCOL_FILE=str(ROOT / "config" / "protocol.toml"),
        FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
    )
    result = subprocess.run(
        [sys.executable, "-m", "followup", "templates", "check"],
        env=env,
        cwd=editor.tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        f"{ROOT / 'templates' / 'es' / 'reminder' / 'sms.txt.j2'}:2: 'appointment_tiem' is "
        "undefined (in the web edit of this template, not the file: see /staff/templates)"
    ]


# -- replies to patients' texts ---------------------------------------------------------------


@contextmanager
def twilio_webhooks(engine: Engine, protocol: Protocol) -> Iterator[Server]:
    """Another web process on the same database, taking Twilio's signed webhooks."""
    with FakeTwilio(SID, TOKEN) as fake:
        settings = Settings(
            database_url=str(engine.url),
            public_url=PUBLIC,
            secret_key="a-real-secret-for-tests-0123456789",
            twilio_account_sid=SID,
            twilio_auth_token=TOKEN,
            twilio_from_number=CLINIC,
            twilio_base_url=fake.base_url,
            templates_dir=ROOT / "templates",
        )
        with serving(create_app(settings, engine, protocol)) as base:
            yield Server(base, engine, fake)


def twiml_text(body: str) -> str:
    """The text of the one <Message> in a TwiML answer."""
    match = re.search(r"<Message[^>]*>(.*)</Message>", body, re.S)
    assert match is not None, body
    return html.unescape(match.group(1))


def test_the_reply_templates_are_the_ones_the_inbound_pipeline_renders() -> None:
    pipeline = "".join(
        (ROOT / "followup" / "replies" / name).read_text()
        for name in ("handle.py", "alarms.py", "consent.py")  # consent.py: STOP, unclear
    )
    assert set(re.findall(r'"(reply_[a-z_]+)"', pipeline)) == set(REPLY_TEMPLATES)
    for language in ("en", "es"):
        folder = ROOT / "templates" / language
        assert {p.parent.name for p in folder.glob("reply_*/*.j2")} == set(REPLY_TEMPLATES)


def test_the_list_shows_the_reply_templates_under_their_own_heading(editor: Editor) -> None:
    admin = editor.signed_in(ADMIN)
    assert editor.save(admin, HELP_EDITED, path=HELP)[0] == 303
    _, _, page = admin.request("GET", "/staff/templates")
    steps_part, _, replies_part = page.partition('<h2 id="replies-heading">')
    assert text_of(replies_part).startswith("Replies to patients' texts")
    for template in REPLY_TEMPLATES:
        assert f"/{template}/" not in steps_part, template
        for language in ("en", "es"):
            assert f'href="/staff/templates/{language}/{template}/sms.txt"' in replies_part
        assert f"/{template}/email_" not in replies_part  # SMS only
    row = re.search(rf'<a href="{re.escape(HELP)}"[^>]*>(.*?)</a>(.*?)</td>', replies_part, re.S)
    assert row is not None and row.group(1) == "Edited" and f"by {ADMIN}" in row.group(2)
    assert "CALL: the patient asks to be called" in text_of(replies_part)

    _, _, page = admin.request("GET", CRISIS)
    assert "the SMS reply to a patient" in text_of(page)
    assert "people in crisis must always get the crisis line 988 and the on-call phone" in (
        text_of(page)
    )
    assert "Unknown sender (no name)" in page and "Upcoming appointments" not in page


def test_the_preview_of_a_reply_renders_with_the_reply_context(editor: Editor) -> None:
    nurse = editor.signed_in(CLINICIAN)
    csrf = nurse.csrf(HELP)
    fields = {"template": "reply_help"}
    status, answer = editor.preview(nurse, HELP_EDITED, csrf, **fields)
    assert status == 200 and answer["text"] == HELP_EDITED_TEXT
    assert isinstance(answer["sms"], dict) and answer["sms"]["segments"] == 1
    _, answer = editor.preview(nurse, HELP_EDITED, csrf, context="unknown-sender", **fields)
    assert answer["text"] == HELP_EDITED_TEXT.removeprefix("Hi Ana. ")
    # A step's variables are not there when a text is answered.
    _, answer = editor.preview(nurse, "{{ appointment_date }}", csrf, **fields)
    assert answer == {
        "ok": False,
        "error": "en/reply_help/sms.txt.j2:1: 'appointment_date' is undefined",
    }
    _, answer = editor.preview(
        nurse, "Call {{ on_call_phone }}.", csrf, template="reply_crisis", language="es"
    )
    assert answer["ok"] is False and "must give the crisis line 988" in str(answer["error"])


def test_a_saved_help_reply_is_what_an_inbound_help_gets_back(editor: Editor) -> None:
    admin = editor.signed_in(ADMIN)
    status, _, page = editor.save(admin, "Call {{ appointment_time }}\n", path=HELP)
    assert status == 422
    assert "en/reply_help/sms.txt.j2:1: 'appointment_time' is undefined" in text_of(page)
    status, headers, _ = editor.save(admin, HELP_EDITED, path=HELP)
    assert status == 303 and headers["location"] == f"{HELP}?done=saved"

    with twilio_webhooks(editor.engine, editor.protocol) as twilio:
        status, body = twilio.sms("HELP", "SMhelp1", sender=ANA_PHONE)
        assert status == 200 and twiml_text(body) == HELP_EDITED_TEXT
        status, body = twilio.sms("help", "SMhelp2", sender="+12125550199")
        # Not a patient: answered as an unknown sender, whose reply knows no name.
        assert status == 200 and "Ana" not in twiml_text(body)

        # A reset is the file's text again, at once.
        assert editor.post(admin, f"{HELP}/reset")[0] == 303
        status, body = twilio.sms("HELP", "SMhelp3", sender=ANA_PHONE)
        file_text = Renderer(ROOT / "templates").render(
            "reply_help", "en", "sms", reply_context(editor.protocol, "en", "Ana")
        )
        assert twiml_text(body) == file_text.text != HELP_EDITED_TEXT

    with Session(editor.engine) as session:
        replies = session.exec(select(ReplyMessage).order_by(col(ReplyMessage.id))).all()
    assert [(r.kind, r.body) for r in replies if r.kind == "reply_help"] == [
        ("reply_help", HELP_EDITED_TEXT),
        ("reply_help", file_text.text),
    ]


def test_a_crisis_reply_edit_that_drops_the_crisis_line_or_on_call_phone_is_refused(
    editor: Editor,
) -> None:
    admin = editor.signed_in(ADMIN)
    file_text = (ROOT / "templates" / "en" / "reply_crisis" / "sms.txt.j2").read_text()
    for body, missing in (
        (file_text.replace("{{ crisis_line }}", "a crisis line"), "the crisis line 988"),
        (
            file_text.replace("{{ on_call_phone }}", "our office"),
            "the on-call phone (402) 555-0199",
        ),
        (file_text.replace("{{ crisis_line }}", "19880"), "the crisis line 988"),
    ):
        status, _, page = editor.save(admin, body, path=CRISIS)
        assert status == 422
        assert (
            f"en/reply_crisis/sms.txt.j2: the crisis reply must give {missing}: "
            "people in crisis must always get them"
        ) in text_of(page)
    assert editor.revisions() == []

    # Written out instead of the variables, the numbers are there: saved.
    kept = file_text.replace("{{ crisis_line }}", "988").replace(
        "{{ on_call_phone }}", "(402) 555-0199"
    )
    assert editor.save(admin, kept, path=CRISIS)[0] == 303

    # A revision that never went through the editor cannot be rolled back to either.
    with Session(editor.engine) as session:
        session.add(
            TemplateRevision(
                template="reply_crisis",
                language="en",
                part="sms.txt",
                body="Someone will call you.\n",
                author="someone@example.org",
                created_at=datetime.now(UTC),
            )
        )
        session.commit()
    assert editor.save(admin, file_text, path=CRISIS)[0] == 303
    unchecked = editor.revisions()[1]
    status, _, page = editor.post(admin, f"{CRISIS}/rollback/{unchecked.id}")
    assert status == 422 and "people in crisis must always get them" in text_of(page)
    assert [r.body for r in editor.revisions()][-1] == file_text


def test_rendering_inside_a_transaction_needs_no_second_connection_from_its_pool(
    engine: Engine,
) -> None:
    """Webhooks and dispatch render while holding a connection; a full pool must not hang."""
    url = engine.url.render_as_string(hide_password=False)
    small = make_engine(url, pool_size=1, max_overflow=0, pool_timeout=2)
    save_revision(small, PartKey("reminder", "en", "sms.txt"), "Edited", ADMIN, datetime.now(UTC))
    source = RevisionSource(small)
    try:
        with small.connect() as held:  # the pool's only connection
            held.execute(text("SELECT 1"))
            assert source()["en/reminder/sms.txt.j2"] == "Edited\n"
    finally:
        small.dispose()
