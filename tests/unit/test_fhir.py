"""Rating scales as FHIR R4 resources, built from administrations without a database: every
field, the prorated, stopped and in-progress cases, Spanish wording, and that each resource
read back from its JSON validates against the `fhir.resources` R4B models."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from followup.core import fhir as bundles
from followup.instruments.fhir import (
    Subject,
    questionnaire_response,
    resources_of,
    total_observation,
)
from followup.instruments.records import COMPLETED, IN_PROGRESS, STOPPED, Administration
from followup.instruments.scoring import Score, score
from followup.protocol import Protocol

ANA = Subject(12, "P001")
STARTED = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
DONE = datetime(2026, 3, 2, 14, 9, 30, 654321, tzinfo=UTC)
PHQ9_ITEMS = [
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    "44260-8",
]
ANSWER_CODES = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]


def taken(
    protocol: Protocol,
    answers: list[int | None],
    instrument: str = "phq9",
    status: str = COMPLETED,
    language: str = "en",
    unreadable: tuple[int, ...] = (),
    row_id: int = 7,
) -> Administration:
    """An administration as `records.administrations` derives it."""
    definition = protocol.instruments[instrument]
    scored = (
        Score(None, None, sum(a is not None for a in answers), len(answers), False)
        if status == IN_PROGRESS
        else score(definition, answers)
    )
    return Administration(
        id=row_id,
        patient_id=ANA.id,
        appointment_id=3,
        instrument=instrument,
        language=language,
        answers=tuple(answers),
        unreadable=unreadable,
        started_at=STARTED,
        updated_at=DONE,
        completed_at=DONE if status == COMPLETED else None,
        status=status,
        score=scored,
        series=None,
    )


def as_json(resource: QuestionnaireResponse | Observation | Bundle) -> dict[str, Any]:
    """What an EHR receives, parsed back into the model (validating it) and out again."""
    text = bundles.to_json(resource)
    model = type(resource).model_validate(json.loads(text))
    assert bundles.to_json(model) == text
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def test_a_completed_phq9_is_a_questionnaire_response_with_every_answer_coded(
    protocol: Protocol,
) -> None:
    phq9 = protocol.instruments["phq9"]
    qr = as_json(questionnaire_response(taken(protocol, [1, 2, 0, 3, 1, 1, 0, 2, 0]), phq9, ANA))
    assert qr["resourceType"] == "QuestionnaireResponse"
    assert qr["id"] == "phq9-7"
    assert qr["questionnaire"] == "http://loinc.org/q/44249-1"
    assert qr["status"] == "completed"
    assert qr["language"] == "en"
    assert qr["authored"] == "2026-03-02T14:09:30Z"
    patient = {"reference": "Patient/12", "type": "Patient", "identifier": {"value": "P001"}}
    assert qr["subject"] == patient and qr["source"] == patient
    items = qr["item"]
    assert [i["linkId"] for i in items] == [*PHQ9_ITEMS, "44261-6"]
    assert items[0]["text"] == "Little interest or pleasure in doing things"
    assert items[1]["answer"] == [
        {
            "valueCoding": {
                "system": "http://loinc.org",
                "code": "LA6570-1",
                "display": "more than half the days",
            }
        }
    ]
    codes = [i["answer"][0]["valueCoding"]["code"] for i in items[:9]]
    assert codes == [ANSWER_CODES[v] for v in [1, 2, 0, 3, 1, 1, 0, 2, 0]]
    assert items[9] == {
        "linkId": "44261-6",
        "text": "PHQ-9 total score",
        "answer": [{"valueInteger": 10}],
    }


def test_its_total_is_a_final_survey_observation_in_ucum_score_units(
    protocol: Protocol,
) -> None:
    phq9 = protocol.instruments["phq9"]
    observation = total_observation(taken(protocol, [1, 2, 0, 3, 1, 1, 0, 2, 0]), phq9, ANA)
    assert observation is not None
    obs = as_json(observation)
    assert obs["id"] == "phq9-7-total"
    assert obs["status"] == "final"
    assert obs["category"] == [
        {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                    "code": "survey",
                    "display": "Survey",
                }
            ]
        }
    ]
    assert obs["code"] == {
        "coding": [{"system": "http://loinc.org", "code": "44261-6"}],
        "text": "PHQ-9 total score",
    }
    assert obs["subject"]["reference"] == "Patient/12"
    assert obs["subject"]["identifier"] == {"value": "P001"}
    assert obs["effectiveDateTime"] == "2026-03-02T14:09:30Z"
    assert obs["valueQuantity"] == {
        "value": 10,
        "unit": "{score}",
        "system": "http://unitsofmeasure.org",
        "code": "{score}",
    }
    assert obs["interpretation"] == [{"text": "moderate"}]
    assert obs["derivedFrom"] == [{"reference": "QuestionnaireResponse/phq9-7"}]
    assert "note" not in obs


def test_an_unreadable_item_has_no_answer_and_the_prorated_total_says_so(
    protocol: Protocol,
) -> None:
    phq9 = protocol.instruments["phq9"]
    # Item 4 could not be read twice: 8 answers whose mean times 9 is the total.
    administration = taken(protocol, [3, 3, 3, None, 3, 3, 3, 3, 0], unreadable=(3,))
    assert administration.score.prorated and administration.score.total == 24
    qr = as_json(questionnaire_response(administration, phq9, ANA))
    assert qr["status"] == "completed"
    assert qr["item"][3] == {"linkId": "44254-1", "text": "Feeling tired or having little energy"}
    assert qr["item"][9]["answer"] == [{"valueInteger": 24}]
    observation = total_observation(administration, phq9, ANA)
    assert observation is not None
    obs = as_json(observation)
    assert obs["note"] == [{"text": "prorated from 8 of 9 items"}]
    assert obs["interpretation"] == [{"text": "severe"}]


def test_a_stopped_administration_is_exported_stopped_and_scored_only_within_the_rules(
    protocol: Protocol,
) -> None:
    phq9 = protocol.instruments["phq9"]
    # One item short when the conversation ended: prorated, as the PHQ manual allows.
    nearly = taken(protocol, [1, 1, 1, 1, 1, 1, 1, 1, None], status=STOPPED)
    qr, obs = (as_json(r) for r in resources_of(nearly, phq9, ANA))
    assert qr["status"] == "stopped" and "answer" not in qr["item"][8]
    assert qr["authored"] == "2026-03-02T14:09:30Z"  # the last answer
    assert obs["valueQuantity"]["value"] == 9
    assert obs["note"] == [{"text": "prorated from 8 of 9 items"}]
    # Three short: no total, so no total item and no Observation, only the answers given.
    early = taken(protocol, [2, 2, 2, 2, 2, 2, None, None, None], status=STOPPED)
    [only] = resources_of(early, phq9, ANA)
    answers = as_json(only)
    assert answers["status"] == "stopped"
    assert [i["linkId"] for i in answers["item"]] == PHQ9_ITEMS
    assert total_observation(early, phq9, ANA) is None


def test_an_administration_still_being_answered_is_not_exported(protocol: Protocol) -> None:
    phq9 = protocol.instruments["phq9"]
    answering = taken(protocol, [1, 2, 3, None, None, None, None, None, None], status=IN_PROGRESS)
    assert resources_of(answering, phq9, ANA) == []
    assert total_observation(answering, phq9, ANA) is None
    with pytest.raises(ValueError, match="in-progress"):
        questionnaire_response(answering, phq9, ANA)


def test_a_gad7_answered_in_spanish_keeps_the_words_the_patient_was_sent(
    protocol: Protocol,
) -> None:
    gad7 = protocol.instruments["gad7"]
    administration = taken(protocol, [1, 2, 3, 0, 1, 1, 0], "gad7", language="es", row_id=8)
    qr_resource, obs_resource = resources_of(administration, gad7, ANA)
    qr, obs = as_json(qr_resource), as_json(obs_resource)
    assert qr["id"] == "gad7-8" and qr["language"] == "es"
    assert qr["questionnaire"] == "http://loinc.org/q/69737-5"
    assert qr["item"][0]["linkId"] == "69725-0"
    assert qr["item"][0]["text"] == gad7.items[0].text["es"]
    assert qr["item"][0]["text"] != gad7.items[0].text["en"]
    assert qr["item"][0]["answer"][0]["valueCoding"] == {
        "system": "http://loinc.org",
        "code": "LA6569-3",
        "display": "varios días",
    }
    assert qr["item"][7] == {
        "linkId": "70274-6",
        "text": "GAD-7 total score",
        "answer": [{"valueInteger": 8}],
    }
    assert obs["id"] == "gad7-8-total"
    assert obs["code"]["coding"] == [{"system": "http://loinc.org", "code": "70274-6"}]
    # Staff and EHRs read the band in English, whatever language the patient answered in.
    assert obs["interpretation"] == [{"text": "mild"}]


def test_times_are_written_in_utc_whatever_zone_they_come_in(protocol: Protocol) -> None:
    phq9 = protocol.instruments["phq9"]
    chicago = datetime(2026, 3, 2, 8, 9, 30, tzinfo=ZoneInfo("America/Chicago"))
    moved = _with_completed(taken(protocol, [0] * 9), chicago)
    qr, obs = (as_json(r) for r in resources_of(moved, phq9, ANA))
    assert qr["authored"] == obs["effectiveDateTime"] == "2026-03-02T14:09:30Z"


def _with_completed(administration: Administration, at: datetime) -> Administration:
    fields = {name: getattr(administration, name) for name in Administration.__slots__}
    return Administration(**{**fields, "completed_at": at})


def test_the_same_administration_exports_the_same_text_every_time(protocol: Protocol) -> None:
    phq9 = protocol.instruments["phq9"]
    first = [bundles.to_json(r) for r in resources_of(taken(protocol, [1] * 9), phq9, ANA)]
    again = [bundles.to_json(r) for r in resources_of(taken(protocol, [1] * 9), phq9, ANA)]
    assert first == again


def test_answer_options_without_loinc_codes_are_exported_as_their_values(
    protocol: Protocol,
) -> None:
    phq9 = protocol.instruments["phq9"]
    plain = phq9.model_copy(
        update={"options": [o.model_copy(update={"loinc": None}) for o in phq9.options]}
    )
    qr = as_json(questionnaire_response(taken(protocol, [2] * 9), plain, ANA))
    assert qr["item"][0]["answer"] == [{"valueInteger": 2}]


def test_a_searchset_lists_matches_with_their_addresses_and_an_outcome_apart(
    protocol: Protocol,
) -> None:
    phq9 = protocol.instruments["phq9"]
    resources = resources_of(taken(protocol, [1] * 9), phq9, ANA)
    base = "https://clinic.example.org/api/fhir"
    found = as_json(bundles.searchset(resources, base, base + "/Observation?patient=12"))
    assert (found["type"], found["total"]) == ("searchset", 2)
    assert found["link"] == [{"relation": "self", "url": base + "/Observation?patient=12"}]
    assert [e["fullUrl"] for e in found["entry"]] == [
        base + "/QuestionnaireResponse/phq9-7",
        base + "/Observation/phq9-7-total",
    ]
    assert {e["search"]["mode"] for e in found["entry"]} == {"match"}
    warning = bundles.outcome("no patient has id 99", "not-found", "warning")
    empty = as_json(bundles.searchset([], base, base + "/Observation?patient=99", warning))
    assert empty["total"] == 0
    [entry] = empty["entry"]
    assert entry["search"] == {"mode": "outcome"}
    assert entry["resource"]["issue"] == [
        {"severity": "warning", "code": "not-found", "diagnostics": "no patient has id 99"}
    ]


def test_an_export_is_a_collection_or_a_transaction_of_puts_by_id(protocol: Protocol) -> None:
    phq9 = protocol.instruments["phq9"]
    resources = resources_of(taken(protocol, [1] * 9), phq9, ANA)
    at = datetime(2026, 3, 3, 9, 0, 0, 500, tzinfo=UTC)
    kept = as_json(bundles.collection(resources, None, at))
    assert (kept["type"], kept["timestamp"]) == ("collection", "2026-03-03T09:00:00Z")
    assert [set(e) for e in kept["entry"]] == [{"resource"}, {"resource"}]  # no base: no fullUrl
    sent = as_json(bundles.transaction(resources, "https://clinic.example.org/api/fhir", at))
    assert sent["type"] == "transaction"
    assert [e["request"] for e in sent["entry"]] == [
        {"method": "PUT", "url": "QuestionnaireResponse/phq9-7"},
        {"method": "PUT", "url": "Observation/phq9-7-total"},
    ]
    assert sent["entry"][0]["fullUrl"] == (
        "https://clinic.example.org/api/fhir/QuestionnaireResponse/phq9-7"
    )
    assert "entry" not in as_json(bundles.collection([], None, at))
