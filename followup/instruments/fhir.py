"""Rating scales as FHIR R4: a QuestionnaireResponse per administration, an Observation per
total. Pure: built from an `Administration` with the `fhir.resources` R4B models, which
validate each resource as it is made (R4B's QuestionnaireResponse and Observation are R4's).

What is exported: administrations completed (every item answered or unreadable) or stopped
(the conversation ended first), with status to match. One still in progress is not: its
answers may change within the hour, and an EHR should not file a half-answered scale.
Unreadable and unanswered items are listed without an answer; the total is an item of its
own and an Observation only when the instrument's rules give one (`scoring.py`).

Ids are `<instrument>-<row id>` (the QuestionnaireResponse) and `<instrument>-<row
id>-total` (the Observation), the same in every export, so an EHR that imports twice
updates what it has instead of filing a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse,
    QuestionnaireResponseItem,
    QuestionnaireResponseItemAnswer,
)
from fhir.resources.R4B.reference import Reference

from followup.instruments.records import COMPLETED, STOPPED, Administration
from followup.protocol.instruments import Instrument

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# LOINC publishes each panel as a FHIR Questionnaire under this canonical URL.
LOINC_QUESTIONNAIRE = "http://loinc.org/q/"
EXPORTED = (COMPLETED, STOPPED)
# A unit for a score that has none, as US Core's screening assessments write it.
SCORE_UNIT = "{score}"

FhirResource = QuestionnaireResponse | Observation


@dataclass(frozen=True, slots=True)
class Subject:
    """The patient a resource is about: the database id (`Patient/<id>`) and the clinic's
    own id from the roster, given as an identifier so an EHR can match its patient."""

    id: int
    external_id: str


def response_id(administration: Administration) -> str:
    """The QuestionnaireResponse's id: FHIR ids take letters, digits, '-' and '.'."""
    return f"{administration.instrument.replace('_', '-')}-{administration.id}"


def total_id(administration: Administration) -> str:
    """The id of the Observation of its total."""
    return f"{response_id(administration)}-total"


def patient_reference(subject: Subject) -> Reference:
    return Reference(
        reference=f"Patient/{subject.id}",
        type="Patient",
        identifier=Identifier(value=subject.external_id),
    )


def _utc(value: datetime) -> datetime:
    # Whole seconds: an EHR shows no finer, and every export writes the same text.
    return value.astimezone(UTC).replace(microsecond=0)


def _total_text(instrument: Instrument) -> str:
    return f"{instrument.name} total score"


def _item_answers(
    instrument: Instrument, value: int | None, language: str
) -> list[QuestionnaireResponseItemAnswer] | None:
    if value is None:
        return None  # unanswered or unreadable: the item stands with no answer
    option = instrument.options[value]
    if option.loinc is None:
        # An instrument defined without LOINC answer codes: the value is all there is.
        return [QuestionnaireResponseItemAnswer(valueInteger=value)]
    coding = Coding(system=LOINC, code=option.loinc, display=option.label_in(language))
    return [QuestionnaireResponseItemAnswer(valueCoding=coding)]


def questionnaire_response(
    administration: Administration, instrument: Instrument, subject: Subject
) -> QuestionnaireResponse:
    """The administration's answers, each item in the words the patient was sent."""
    if administration.status not in EXPORTED:
        raise ValueError(f"an administration {administration.status} is not exported")
    language = administration.language
    items = [
        QuestionnaireResponseItem(
            linkId=item.loinc,
            text=item.text_in(language),
            answer=_item_answers(instrument, value, language),
        )
        for item, value in zip(instrument.items, administration.answers, strict=True)
    ]
    total = administration.score.total
    if total is not None:
        items.append(
            QuestionnaireResponseItem(
                linkId=instrument.total_loinc,
                text=_total_text(instrument),
                answer=[QuestionnaireResponseItemAnswer(valueInteger=total)],
            )
        )
    reference = patient_reference(subject)
    return QuestionnaireResponse(
        id=response_id(administration),
        language=language,
        questionnaire=LOINC_QUESTIONNAIRE + instrument.loinc,
        status=administration.status,
        subject=reference,
        source=reference,  # the patient answered, by SMS
        authored=_utc(administration.taken_at),
        item=items,
    )


def total_observation(
    administration: Administration, instrument: Instrument, subject: Subject
) -> Observation | None:
    """The total as an Observation, or None when the answers give no total."""
    score = administration.score
    if administration.status not in EXPORTED or score.total is None or score.band is None:
        return None
    notes = None
    if score.prorated:
        notes = [Annotation(text=f"prorated from {score.answered} of {score.items} items")]
    return Observation(
        id=total_id(administration),
        status="final",
        category=[
            CodeableConcept(
                coding=[Coding(system=OBSERVATION_CATEGORY, code="survey", display="Survey")]
            )
        ],
        code=CodeableConcept(
            coding=[Coding(system=LOINC, code=instrument.total_loinc)],
            text=_total_text(instrument),
        ),
        subject=patient_reference(subject),
        effectiveDateTime=_utc(administration.taken_at),
        # A Quantity with UCUM's unit for scores, as US Core's screening assessments have it.
        valueQuantity=Quantity(value=score.total, unit=SCORE_UNIT, system=UCUM, code=SCORE_UNIT),
        # The band in words ("moderate"): bands are not HL7 interpretation codes.
        interpretation=[CodeableConcept(text=score.band.label_in("en"))],
        derivedFrom=[Reference(reference=f"QuestionnaireResponse/{response_id(administration)}")],
        note=notes,
    )


def resources_of(
    administration: Administration, instrument: Instrument, subject: Subject
) -> list[FhirResource]:
    """What an administration exports: its QuestionnaireResponse, then its total's
    Observation when it has a total; nothing while it is in progress."""
    if administration.status not in EXPORTED:
        return []
    found: list[FhirResource] = [questionnaire_response(administration, instrument, subject)]
    observation = total_observation(administration, instrument, subject)
    if observation is not None:
        found.append(observation)
    return found
