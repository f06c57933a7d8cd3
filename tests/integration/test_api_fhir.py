"""The FHIR API (`/api/fhir/...`) over real HTTP on SQLite and PostgreSQL, with a real
bearer token: searches by patient and code, reads by id, unknown patients and bad searches,
and every resource it returns validated against the `fhir.resources` R4B models."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import Engine
from sqlmodel import Session

from followup.db.models import Conversation, InstrumentResponse, Patient
from followup.protocol import Protocol
from followup.staff import add_staff, create_token
from tests.integration.test_staff_web import PASSWORD, serve

NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)
MODELS = {
    "Bundle": Bundle,
    "QuestionnaireResponse": QuestionnaireResponse,
    "Observation": Observation,
    "OperationOutcome": OperationOutcome,
}


@dataclass(frozen=True)
class Scales:
    """Database ids of the seeded patients and administrations."""

    ana: int
    luis: int
    grace: int
    ana_phq9: int  # completed, total 10
    ana_gad7: int  # completed, total 5
    ana_stopped: int  # a PHQ-9 stopped three items short: no total
    ana_answering: int  # a PHQ-9 still being answered: never exported
    luis_gad7: int  # completed in Spanish, one item unreadable: prorated


def seed_scales(engine: Engine) -> Scales:
    """Three patients: Ana with PHQ-9s and a GAD-7 in English, Luis with a GAD-7 in Spanish,
    Grace with none."""
    with Session(engine) as session:

        def patient(external_id: str, language: str) -> int:
            row = Patient(
                external_id=external_id,
                first_name=external_id,
                language=language,
                created_at=NOW - 30 * DAY,
                updated_at=NOW - 30 * DAY,
            )
            session.add(row)
            session.flush()
            return row.id or 0

        def conversation(patient_id: int, at: datetime, ended: bool = True) -> int:
            row = Conversation(
                patient_id=patient_id,
                survey="phq9+gad7",
                started_at=at,
                expires_at=at + DAY,
                ended_at=at + timedelta(hours=2) if ended else None,
            )
            session.add(row)
            session.flush()
            return row.id or 0

        def scale(
            patient_id: int,
            conversation_id: int,
            instrument: str,
            answers: list[int | None],
            at: datetime,
            completed: bool = True,
            language: str = "en",
            unreadable: tuple[int, ...] = (),
        ) -> int:
            row = InstrumentResponse(
                patient_id=patient_id,
                conversation_id=conversation_id,
                instrument=instrument,
                language=language,
                answers=json.dumps(answers),
                unreadable=json.dumps(list(unreadable)),
                started_at=at,
                updated_at=at + timedelta(minutes=20),
                completed_at=at + timedelta(minutes=20) if completed else None,
            )
            session.add(row)
            session.flush()
            return row.id or 0

        ana, luis, grace = patient("P001", "en"), patient("P002", "es"), patient("P003", "en")
        first = conversation(ana, NOW - 10 * DAY)
        ana_phq9 = scale(ana, first, "phq9", [1, 2, 0, 3, 1, 1, 0, 2, 0], NOW - 10 * DAY)
        ana_gad7 = scale(ana, first, "gad7", [0, 1, 1, 0, 2, 1, 0], NOW - 10 * DAY)
        second = conversation(ana, NOW - 3 * DAY)
        ana_stopped = scale(
            ana, second, "phq9", [2, 2, 2, 2, 2, 2, None, None, None], NOW - 3 * DAY, False
        )
        open_now = conversation(ana, NOW - timedelta(hours=1), ended=False)
        ana_answering = scale(
            ana, open_now, "phq9", [1, 1, None, None, None, None, None, None, None], NOW, False
        )
        luis_gad7 = scale(
            luis,
            conversation(luis, NOW - 5 * DAY),
            "gad7",
            [1, 2, None, 0, 1, 1, 0],
            NOW - 5 * DAY,
            language="es",
            unreadable=(2,),
        )
        session.commit()
        return Scales(ana, luis, grace, ana_phq9, ana_gad7, ana_stopped, ana_answering, luis_gad7)


@dataclass
class Fhir:
    """A client of /api/fhir with a bearer token."""

    base: str
    token: str | None

    def get(self, path: str) -> tuple[int, str, dict[str, Any]]:
        """Status, content type and body, which is validated against its FHIR model."""
        headers = {"Accept": "application/fhir+json"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                status, kind, raw = (
                    response.status,
                    response.headers["Content-Type"],
                    response.read(),
                )
        except urllib.error.HTTPError as exc:
            with exc:
                status, kind, raw = exc.code, exc.headers["Content-Type"], exc.read()
        body: dict[str, Any] = json.loads(raw)
        if kind == "application/fhir+json":
            MODELS[body["resourceType"]].model_validate(body)
        return status, kind, body

    def bundle(self, path: str) -> dict[str, Any]:
        status, kind, body = self.get(path)
        assert (status, kind, body["resourceType"]) == (200, "application/fhir+json", "Bundle")
        return body


@dataclass
class FhirSite:
    base: str
    scales: Scales
    api: Fhir


@pytest.fixture
def fhir_site(engine: Engine, protocol: Protocol) -> Iterator[FhirSite]:
    scales = seed_scales(engine)
    add_staff(engine, "admin@example.org", "admin", PASSWORD, NOW)
    token = create_token(engine, "ehr-bridge", "admin@example.org", NOW)
    for site in serve(engine, protocol, "http://127.0.0.1"):
        yield FhirSite(site.base, scales, Fhir(site.base, token))


def resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]


def test_a_patients_scales_are_questionnaire_responses_in_a_searchset(
    fhir_site: FhirSite,
) -> None:
    s = fhir_site.scales
    bundle = fhir_site.api.bundle(f"/api/fhir/QuestionnaireResponse?patient={s.ana}")
    assert (bundle["type"], bundle["total"]) == ("searchset", 3)
    assert bundle["link"] == [
        {
            "relation": "self",
            "url": f"{fhir_site.base}/api/fhir/QuestionnaireResponse?patient={s.ana}",
        }
    ]
    found = resources(bundle)
    # Oldest first; the PHQ-9 still being answered is left out.
    assert [r["id"] for r in found] == [
        f"phq9-{s.ana_phq9}",
        f"gad7-{s.ana_gad7}",
        f"phq9-{s.ana_stopped}",
    ]
    assert [r["status"] for r in found] == ["completed", "completed", "stopped"]
    assert {r["subject"]["reference"] for r in found} == {f"Patient/{s.ana}"}
    assert {r["subject"]["identifier"]["value"] for r in found} == {"P001"}
    assert [e["fullUrl"] for e in bundle["entry"]] == [
        f"{fhir_site.base}/api/fhir/QuestionnaireResponse/{r['id']}" for r in found
    ]
    phq9 = found[0]
    assert phq9["item"][-1] == {
        "linkId": "44261-6",
        "text": "PHQ-9 total score",
        "answer": [{"valueInteger": 10}],
    }
    # `Patient/<id>` is the same search.
    same = fhir_site.api.bundle(f"/api/fhir/QuestionnaireResponse?patient=Patient/{s.ana}")
    assert resources(same) == found


def test_totals_are_observations_and_code_picks_the_instrument(fhir_site: FhirSite) -> None:
    s = fhir_site.scales
    every = resources(fhir_site.api.bundle(f"/api/fhir/Observation?patient={s.ana}"))
    # The stopped PHQ-9 has no total: two Observations, not three.
    assert [(o["id"], o["valueQuantity"]["value"]) for o in every] == [
        (f"phq9-{s.ana_phq9}-total", 10),
        (f"gad7-{s.ana_gad7}-total", 5),
    ]
    assert [o["interpretation"][0]["text"] for o in every] == ["moderate", "mild"]
    assert every[0]["derivedFrom"] == [{"reference": f"QuestionnaireResponse/phq9-{s.ana_phq9}"}]

    def codes(query: str) -> list[str]:
        found = fhir_site.api.bundle(f"/api/fhir/Observation?patient={s.ana}&{query}")
        assert found["total"] == len(resources(found))
        return [o["code"]["coding"][0]["code"] for o in resources(found)]

    assert codes("code=44261-6") == ["44261-6"]
    assert codes("code=" + urllib.parse.quote("http://loinc.org|70274-6")) == ["70274-6"]
    assert codes("code=44261-6,70274-6") == ["44261-6", "70274-6"]
    assert codes("code=" + urllib.parse.quote("http://snomed.info/sct|44261-6")) == []
    assert codes("code=1234-5") == []


def test_spanish_answers_and_a_prorated_total_come_out_as_answered(fhir_site: FhirSite) -> None:
    s = fhir_site.scales
    [qr] = resources(fhir_site.api.bundle(f"/api/fhir/QuestionnaireResponse?patient={s.luis}"))
    assert qr["language"] == "es" and qr["questionnaire"] == "http://loinc.org/q/69737-5"
    assert qr["item"][0]["answer"][0]["valueCoding"]["display"] == "varios días"
    assert "answer" not in qr["item"][2]  # unreadable
    [obs] = resources(fhir_site.api.bundle(f"/api/fhir/Observation?patient={s.luis}"))
    # 1 + 2 + 0 + 1 + 1 + 0 = 5 over 6 items, times 7: 5.83, rounded to 6.
    assert obs["valueQuantity"]["value"] == 6
    assert obs["note"] == [{"text": "prorated from 6 of 7 items"}]


def test_each_resource_is_read_at_its_full_url(fhir_site: FhirSite) -> None:
    s = fhir_site.scales
    for kind in ("QuestionnaireResponse", "Observation"):
        bundle = fhir_site.api.bundle(f"/api/fhir/{kind}?patient={s.ana}")
        for entry in bundle["entry"]:
            path = entry["fullUrl"].removeprefix(fhir_site.base)
            status, kind_read, body = fhir_site.api.get(path)
            assert (status, kind_read, body) == (200, "application/fhir+json", entry["resource"])


@pytest.mark.parametrize(
    "path",
    [
        "/api/fhir/QuestionnaireResponse/phq9-{answering}",  # still being answered
        "/api/fhir/Observation/phq9-{stopped}-total",  # no total
        "/api/fhir/Observation/gad7-{phq9}-total",  # the row is a PHQ-9
        "/api/fhir/QuestionnaireResponse/phq9-{phq9}-total",  # an Observation's id
        "/api/fhir/QuestionnaireResponse/phq9-99999999999999999999",
        "/api/fhir/Observation/nothing",
        "/api/fhir/Observation/phq9-{phq9}-total/more",
        "/api/fhir/Observation/%2F",
        "/api/fhir/Observation/",
    ],
)
def test_an_id_that_names_no_exported_resource_is_a_404_outcome(
    fhir_site: FhirSite, path: str
) -> None:
    s = fhir_site.scales
    status, kind, body = fhir_site.api.get(
        path.format(answering=s.ana_answering, stopped=s.ana_stopped, phq9=s.ana_phq9)
    )
    assert (status, kind, body["resourceType"]) == (
        404,
        "application/fhir+json",
        "OperationOutcome",
    )
    assert body["issue"][0]["code"] == "not-found"


def test_an_unknown_patient_is_an_empty_searchset_that_says_so(fhir_site: FhirSite) -> None:
    for path in (
        "/api/fhir/QuestionnaireResponse?patient=999999",
        "/api/fhir/Observation?patient=Patient/999999999",
    ):
        bundle = fhir_site.api.bundle(path)
        assert bundle["total"] == 0 and resources(bundle) == []
        [entry] = bundle["entry"]
        assert entry["search"] == {"mode": "outcome"}
        [issue] = entry["resource"]["issue"]
        assert (issue["severity"], issue["code"]) == ("warning", "not-found")
        assert issue["diagnostics"].startswith("no patient has id 9")
    # A patient with no scales: empty, and nothing to warn about.
    grace = fhir_site.api.bundle(f"/api/fhir/Observation?patient={fhir_site.scales.grace}")
    assert grace["total"] == 0 and "entry" not in grace


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?code=44261-6",
        "?patient=",
        "?patient=P001",  # the clinic's id: /api/patients gives followup's
        "?patient=Patient/abc",
        "?patient=Practitioner/1",
        "?patient=1&patient=2",
        "?patient=1234567890",
    ],
)
def test_a_search_without_a_usable_patient_is_a_400_outcome(
    fhir_site: FhirSite, query: str
) -> None:
    for kind in ("QuestionnaireResponse", "Observation"):
        status, content, body = fhir_site.api.get(f"/api/fhir/{kind}{query}")
        assert (status, content) == (400, "application/fhir+json"), (kind, query)
        [issue] = body["issue"]
        assert (issue["severity"], issue["code"]) == ("error", "invalid")
        assert issue["diagnostics"].startswith("patient:")


def test_without_a_valid_token_the_fhir_api_answers_401(fhir_site: FhirSite) -> None:
    s = fhir_site.scales
    for token in (None, "fu_not-a-real-token"):
        client = Fhir(fhir_site.base, token)
        for path in (
            f"/api/fhir/QuestionnaireResponse?patient={s.ana}",
            f"/api/fhir/Observation?patient={s.ana}",
            f"/api/fhir/QuestionnaireResponse/phq9-{s.ana_phq9}",
        ):
            status, _, body = client.get(path)
            assert (status, body) == (401, {"detail": "sign in or send a valid bearer token"})


def test_the_patients_api_gives_the_id_fhir_searches_take(fhir_site: FhirSite) -> None:
    status, _, body = fhir_site.api.get("/api/patients/P002")
    assert status == 200 and body["id"] == fhir_site.scales.luis
    bundle = fhir_site.api.bundle(f"/api/fhir/Observation?patient={body['id']}")
    assert bundle["total"] == 1


def test_the_openapi_document_describes_the_fhir_searches_and_reads(fhir_site: FhirSite) -> None:
    with urllib.request.urlopen(fhir_site.base + "/openapi.json", timeout=15) as response:
        paths = json.loads(response.read())["paths"]
    for kind in ("QuestionnaireResponse", "Observation"):
        search = paths[f"/api/fhir/{kind}"]["get"]
        patient = next(p for p in search["parameters"] if p["name"] == "patient")
        assert patient["required"] and patient["schema"]["pattern"] == "^(Patient/)?[0-9]{1,9}$"
        for code in ("200", "400"):
            assert set(search["responses"][code]["content"]) == {"application/fhir+json"}
        assert "401" in search["responses"]
        read = paths[f"/api/fhir/{kind}/{{resource_id}}"]["get"]
        assert set(read["responses"]["404"]["content"]) == {"application/fhir+json"}
    observation = paths["/api/fhir/Observation"]["get"]
    assert {p["name"] for p in observation["parameters"]} == {"patient", "code"}
