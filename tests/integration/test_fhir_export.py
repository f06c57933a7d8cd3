"""FHIR out, end to end: a PHQ-9 answered through the signed Twilio webhook comes out of
/api/fhir as it was answered, and `followup reports export --format fhir` writes one Bundle
that validates, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import Engine

from followup.protocol import Protocol
from followup.staff import add_staff, create_token
from tests.conftest import ROOT, url_of
from tests.integration.test_api_fhir import Fhir, resources, seed_scales
from tests.integration.test_scales_webhook import begin_scales
from tests.integration.test_webhooks import Server, server

__all__ = ["server"]  # the fixture: a web app with Twilio's webhooks and a patient


def export(engine: Engine, *args: str, public_url: str | None = None) -> tuple[int, str, str]:
    """`followup reports export --format fhir ARGS` (a later --format wins): exit status,
    stdout, stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env.update(
        FOLLOWUP_DATABASE_URL=url_of(engine),
        FOLLOWUP_PROTOCOL_FILE=str(ROOT / "config" / "protocol.toml"),
        FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
    )
    if public_url is not None:
        env["FOLLOWUP_PUBLIC_URL"] = public_url
    result = subprocess.run(
        [sys.executable, "-m", "followup", "reports", "export", "--format", "fhir", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout, result.stderr


def bundle_of(stdout: str) -> dict[str, Any]:
    """The Bundle written, validated against the R4B model."""
    body: dict[str, Any] = json.loads(stdout)
    Bundle.model_validate(body)
    return body


def test_a_phq9_answered_by_sms_in_spanish_comes_out_of_the_fhir_api_as_answered(
    server: Server, protocol: Protocol
) -> None:
    begin_scales(server, "phq9", language="es")
    status, body = server.sms("1 2 0 3 1 1 0 2 0", "SMfhir1")
    assert status == 200 and "Gracias" in body
    now = datetime.now(UTC)
    add_staff(server.engine, "admin@example.org", "admin", "correct horse battery", now)
    api = Fhir(server.base, create_token(server.engine, "ehr", "admin@example.org", now))
    patient = server.patient()
    [qr] = resources(api.bundle(f"/api/fhir/QuestionnaireResponse?patient={patient.id}"))
    assert (qr["status"], qr["language"]) == ("completed", "es")
    assert qr["subject"]["identifier"] == {"value": patient.external_id}
    phq9 = protocol.instruments["phq9"]
    assert [i["text"] for i in qr["item"][:9]] == [item.text["es"] for item in phq9.items]
    assert qr["item"][3]["answer"][0]["valueCoding"] == {
        "system": "http://loinc.org",
        "code": "LA6571-9",
        "display": "casi todos los días",
    }
    [obs] = resources(api.bundle(f"/api/fhir/Observation?patient={patient.id}&code=44261-6"))
    assert obs["valueQuantity"]["value"] == 10 and obs["interpretation"] == [{"text": "moderate"}]
    assert obs["effectiveDateTime"] == qr["authored"]


def test_the_export_is_one_collection_of_every_finished_scale(engine: Engine) -> None:
    s = seed_scales(engine)
    status, stdout, _ = export(engine)
    assert status == 0
    bundle = bundle_of(stdout)
    assert bundle["type"] == "collection" and bundle["timestamp"].endswith("Z")
    ids = [e["resource"]["id"] for e in bundle["entry"]]
    # Each patient's in the order they were taken, the one still being answered left out.
    assert ids == [
        f"phq9-{s.ana_phq9}",
        f"phq9-{s.ana_phq9}-total",
        f"gad7-{s.ana_gad7}",
        f"gad7-{s.ana_gad7}-total",
        f"phq9-{s.ana_stopped}",
        f"gad7-{s.luis_gad7}",
        f"gad7-{s.luis_gad7}-total",
    ]
    # No public URL set: no address to give, so no fullUrl rather than a made-up one.
    assert all("fullUrl" not in e for e in bundle["entry"])
    # The same ids and resources on every export, so an EHR updates instead of copying.
    assert bundle_of(export(engine)[1])["entry"] == bundle["entry"]


def test_the_export_takes_the_patient_filter_and_a_transaction_for_a_fhir_server(
    engine: Engine,
) -> None:
    s = seed_scales(engine)
    status, stdout, _ = export(
        engine,
        "--patient",
        "P002",
        "--bundle",
        "transaction",
        public_url="https://clinic.example.org",
    )
    assert status == 0
    bundle = bundle_of(stdout)
    assert bundle["type"] == "transaction"
    assert [(e["request"], e["fullUrl"]) for e in bundle["entry"]] == [
        (
            {"method": "PUT", "url": f"QuestionnaireResponse/gad7-{s.luis_gad7}"},
            f"https://clinic.example.org/api/fhir/QuestionnaireResponse/gad7-{s.luis_gad7}",
        ),
        (
            {"method": "PUT", "url": f"Observation/gad7-{s.luis_gad7}-total"},
            f"https://clinic.example.org/api/fhir/Observation/gad7-{s.luis_gad7}-total",
        ),
    ]


def test_an_unknown_patient_or_option_is_refused_in_one_line(engine: Engine) -> None:
    seed_scales(engine)
    status, stdout, stderr = export(engine, "--patient", "P999")
    # An empty Bundle would read as "no scales" for a mistyped id.
    assert (status, stdout) == (2, "")
    assert stderr.strip() == "error: no patient has id 'P999'"
    status, _, stderr = export(engine, "--bundle", "batch")
    assert status == 2 and "use collection or transaction" in stderr
    status, _, stderr = export(engine, "--format", "csv", "--bundle", "transaction")
    assert status == 2 and "--bundle goes with --format fhir" in stderr
