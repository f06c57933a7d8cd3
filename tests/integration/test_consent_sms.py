"""Consent by text over Twilio's signed webhooks, on SQLite and PostgreSQL: every keyword
and the plain sentences revoke every channel of everyone on the number within the
request, confirmed once; unclear replies go to a person; START opts back in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from followup.calendar.importing import ImportWindow, import_files
from followup.db.models import (
    ConsentRecord,
    InboundMessage,
    MessageStatus,
    OptedOutNumber,
    Patient,
    ScheduledMessage,
)
from followup.protocol import Protocol
from tests.integration import test_webhooks
from tests.integration.test_webhooks import ANA, Server
from tests.unit.test_optout import KEYWORDS, PLAIN_SENTENCES

server = test_webhooks.server  # the fixture: Ana on the roster, an infusion planned


def newest(server: Server, patient_id: int | None = None) -> dict[str, ConsentRecord]:
    """Each channel's newest record for a patient (Ana by default)."""
    with Session(server.engine) as session:
        ana = session.exec(select(Patient).where(Patient.external_id == "P1")).one()
        pid = patient_id or ana.id
        rows = session.exec(
            select(ConsentRecord).where(ConsentRecord.patient_id == pid).order_by(ConsentRecord.id)  # type: ignore[arg-type]
        ).all()
    return {row.channel: row for row in rows}


def waiting(server: Server) -> list[ScheduledMessage]:
    with Session(server.engine) as session:
        return list(
            session.exec(
                select(ScheduledMessage).where(ScheduledMessage.status == MessageStatus.PENDING)
            )
        )


def answered(body: str) -> bool:
    return "<Message" in body


def test_the_roster_gave_ana_consent_on_both_channels_as_records(server: Server) -> None:
    records = newest(server)
    assert {c: (r.given, r.source) for c, r in records.items()} == {
        "sms": (True, "roster"),
        "email": (True, "roster"),
    }
    assert records["sms"].detail == "roster:roster.csv: sms_consent column said yes"
    assert {m.channel for m in waiting(server)} == {"sms", "email"}


@pytest.mark.parametrize("word", KEYWORDS)
def test_every_keyword_revokes_texts_and_emails_and_start_brings_texts_back(
    server: Server, word: str
) -> None:
    status, body = server.sms(f"{word.title()}. Thank you", f"SM{word}")
    assert status == 200 and "no more texts or emails" in body
    records = newest(server)
    assert [(records[c].given, records[c].source) for c in ("sms", "email")] == [
        (False, "sms_keyword"),
        (False, "sms_keyword"),
    ]
    assert records["sms"].detail == f"texted {word!r}"
    assert waiting(server) == []  # texts and emails alike
    assert server.patient().sms_consent is False and server.patient().email_consent is False

    status, body = server.sms("START", f"SM{word}-start")
    assert status == 200 and "Msg &amp; data rates may apply" in body and "HELP" in body
    records = newest(server)
    assert (records["sms"].given, records["email"].given) == (True, False)
    assert server.patient().opted_out_at is None
    assert {m.channel for m in waiting(server)} == {"sms"}  # email stays revoked


def test_thirty_plain_sentences_in_english_and_spanish_each_revoke_within_the_request(
    server: Server,
) -> None:
    for n, sentence in enumerate(PLAIN_SENTENCES):
        status, body = server.sms(sentence, f"SMplain{n}")
        assert status == 200 and answered(body), sentence
        records = newest(server)
        assert (records["sms"].given, records["email"].given) == (False, False), sentence
        assert records["sms"].source == "sms_words", sentence
        assert waiting(server) == [], sentence
        assert server.sms("START", f"SMplain{n}-start")[0] == 200
    kinds = [m.kind for m in server.inbound()]
    assert kinds == ["opt_out", "opt_in"] * len(PLAIN_SENTENCES)


def test_a_revocation_is_confirmed_once_however_often_it_is_said(server: Server) -> None:
    assert answered(server.sms("STOP", "SM1")[1])
    assert not answered(server.sms("STOP", "SM2")[1])
    assert not answered(server.sms("please stop texting me", "SM3")[1])
    assert answered(server.sms("START", "SM4")[1])
    assert answered(server.sms("no more messages please", "SM5")[1])
    summaries = [m.summary or "" for m in server.inbound()]
    assert "not confirmed again" in summaries[1] and "not confirmed again" in summaries[2]


def test_a_revocation_covers_everyone_on_the_number(server: Server) -> None:
    now = datetime.now(UTC)
    with Session(server.engine) as session:
        brother = Patient(external_id="P2", first_name="Ben", phone=ANA, email="ben@example.org",
                          sms_consent=True, email_consent=True, created_at=now, updated_at=now)  # fmt: skip
        session.add(brother)
        session.commit()
        brother_id = brother.id
    assert server.sms("Por favor dejen de enviarme mensajes", "SMfamily")[0] == 200
    for pid in (None, brother_id):
        records = newest(server, pid)
        assert (records["sms"].given, records["email"].given) == (False, False)
        assert records["sms"].inbound_message_id == server.inbound()[0].id


@pytest.mark.parametrize("text", ["stop, I'm confused", "stop the nausea meds?", "BAJA"])
def test_an_unclear_reply_goes_to_a_person_today_and_revokes_nothing(
    server: Server, text: str
) -> None:
    before = newest(server)
    status, body = server.sms(text, "SMunclear")
    assert status == 200 and "will read your message today" in body and "reply STOP" in body
    [stored] = server.inbound()
    assert (stored.kind, stored.needs_attention, stored.urgency) == (
        "opt_out_unclear",
        True,
        "review",
    )
    assert "a person decides today" in (stored.summary or "")
    assert newest(server) == before and {m.channel for m in waiting(server)} == {"sms", "email"}


def test_a_crisis_that_also_asks_to_stop_gets_988_and_the_revocation_is_recorded(
    server: Server,
) -> None:
    status, body = server.sms("stop texting me, I want to die", "SMcrisis")
    assert status == 200 and "988" in body and "no more texts" not in body
    records = newest(server)
    assert (records["sms"].given, records["email"].given) == (False, False)
    [stored] = server.inbound()
    assert stored.kind == "crisis" and "revoked consent" in (stored.summary or "")


def test_stop_from_a_number_nobody_has_yet_holds_for_the_patient_who_comes_to_have_it(
    server: Server, protocol: Protocol, tmp_path: Path
) -> None:
    newcomer = "+12125550199"
    assert answered(server.sms("Unsubscribe me", "SMnewcomer", sender=newcomer)[1])
    with Session(server.engine) as session:
        [kept] = session.exec(select(ConsentRecord).where(ConsentRecord.phone == newcomer)).all()
        assert session.get(OptedOutNumber, newcomer) is not None
    assert (kept.patient_id, kept.given) == (None, False)
    roster = tmp_path / "later.csv"
    roster.write_text(
        "patient_id,first_name,last_name,phone,email,language,timezone,sms_consent,email_consent\n"
        f"P9,Noor,Haddad,{newcomer},,en,,yes,no\n"
    )
    now = datetime.now(UTC)
    import_files(server.engine, protocol, ImportWindow(now, timedelta(days=8), timedelta(days=60)),
                 roster, [])  # fmt: skip
    with Session(server.engine) as session:
        noor = session.exec(select(Patient).where(Patient.external_id == "P9")).one()
    records = newest(server, noor.id)
    assert records["sms"].given is False and "before the roster listed" in (
        records["sms"].detail or ""
    )
    assert noor.sms_consent is False and noor.opted_out_at is not None


def test_inbound_messages_keep_the_words_and_the_records_point_at_them(server: Server) -> None:
    server.sms("No more texts, thank you", "SMwords")
    [stored] = server.inbound()
    assert isinstance(stored, InboundMessage) and stored.body == "No more texts, thank you"
    assert newest(server)["sms"].inbound_message_id == stored.id
