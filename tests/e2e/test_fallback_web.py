"""Twilio's fallback URL: `followup web --fallback`, a process of its own that starts and
answers while the database is away, and stores what it journaled when it is back."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text
from twilio.request_validator import RequestValidator

from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.testing.postgres import TemporaryPostgres
from followup.testing.processes import FollowupProcess, answers, clean_environment, wait_for
from followup.testing.web import free_port
from tests.conftest import ROOT, require_postgres_binaries

pytestmark = pytest.mark.slow

SID = "AC" + "fa11bac4" * 4
TOKEN = "fallback-auth-token"
PRIMARY = "https://followup.example-clinic.org"
FALLBACK = "https://fallback.example-clinic.org"


def post(base: str, signed_for: str, params: dict[str, str]) -> tuple[int, str]:
    """A webhook as Twilio posts it to the fallback URL: signed for the address it called."""
    signature = RequestValidator(TOKEN).compute_signature(signed_for + "/twilio/sms", params)
    request = urllib.request.Request(
        base + "/twilio/sms",
        data=urllib.parse.urlencode(params).encode(),
        headers={"X-Twilio-Signature": signature},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read().decode()


def test_the_fallback_answers_with_the_database_down_and_stores_it_all_when_it_returns(
    tmp_path: Path,
) -> None:
    require_postgres_binaries()
    with TemporaryPostgres() as server:
        url = server.url()
        # A database that comes back has its tables: upgraded now, not after it returns
        # (then the replay could meet it between the two and find no table).
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        server.stop_server()  # away before the fallback even starts
        port = free_port()
        env = clean_environment(
            FOLLOWUP_DATABASE_URL=url,
            FOLLOWUP_PROTOCOL_FILE=str(ROOT / "config" / "protocol.toml"),
            FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
            FOLLOWUP_TWILIO_ACCOUNT_SID=SID,
            FOLLOWUP_TWILIO_AUTH_TOKEN=TOKEN,
            FOLLOWUP_TWILIO_FROM_NUMBER="+14025550100",
            FOLLOWUP_TWILIO_BASE_URL="http://127.0.0.1:9",  # on-call pages fail fast here
            FOLLOWUP_PUBLIC_URL=PRIMARY,
            FOLLOWUP_FALLBACK_URL=FALLBACK,
            FOLLOWUP_SPOOL_DIR=str(tmp_path / "spool"),
        )
        web = FollowupProcess(
            ["web", "--fallback", "--port", str(port)], env, tmp_path, tmp_path / "web.log"
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: answers(base + "/healthz"), 60, "the fallback to answer")
            message = {
                "MessageSid": "SMfb1",
                "From": "+14025550134",
                "To": "+14025550100",
                "Body": "I want to kill myself",
            }
            status, body = post(base, FALLBACK, message)
            assert status == 200 and "988" in body  # the crisis line, from memory
            assert (
                post(base, "https://elsewhere.example", {**message, "MessageSid": "SMx"})[0] == 403
            )  # signed for neither address
            ordinary = {**message, "MessageSid": "SMfb2", "Body": "feeling ok today"}
            assert post(base, FALLBACK, ordinary) == (
                200,
                '<?xml version="1.0" encoding="UTF-8"?><Response />',
            )
            with pytest.raises(urllib.error.HTTPError) as caught:  # no staff pages here
                urllib.request.urlopen(base + "/staff/", timeout=5)
            with caught.value as refused:
                assert refused.code == 404

            server.start_server()
            engine = make_engine(url)

            def stored() -> list[tuple[str, str]]:
                with engine.connect() as connection:
                    return [
                        (row.provider_sid, row.kind)
                        for row in connection.execute(
                            text("SELECT provider_sid, kind FROM inbound_message ORDER BY id")
                        )
                    ]

            # Stored, then processed: a moment apart, longer on a loaded machine.
            wait_for(
                lambda: len(stored()) == 2 and all(kind != "received" for _, kind in stored()),
                60,
                "the journal to reach the database, processed",
            )
            assert stored() == [("SMfb1", "crisis"), ("SMfb2", "unknown_sender")]
            with engine.connect() as connection:
                alerts = connection.execute(text("SELECT severity FROM alert")).scalars().all()
            assert alerts == ["critical"]
            engine.dispose()
        finally:
            log = web.stop() if web.returncode is None else web.log()
        assert "Traceback" not in log, log[-3000:]
        assert "fallback for Twilio's webhooks" in log
