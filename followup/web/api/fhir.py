"""Rating scales as FHIR R4 (`/api/fhir/...`): searches by patient, and reads by id.

Answers are FHIR JSON (`application/fhir+json`): a `searchset` Bundle, a resource, or an
OperationOutcome for a bad search (400) or an unknown id (404). A search for a patient
who does not exist is not an error, as FHIR searches go: an empty Bundle, with an
OperationOutcome entry saying so, so that a person reading it does not take "no such
patient" for "no scores". `patient` is followup's own id (`12` or `Patient/12`, the
`id` of `/api/patients`); resources carry the clinic's id as the subject's identifier.

The parameters are read here rather than by FastAPI, whose refusals are not FHIR; the
OpenAPI document describes them by hand (`openapi_extra`).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.resource import Resource
from sqlmodel import Session

from followup.core import clock
from followup.core.fhir import MEDIA_TYPE, outcome, searchset, to_json
from followup.db.models import Patient
from followup.instruments.fhir import LOINC, FhirResource
from followup.instruments.fhir_export import patient_resources, read, subject_of
from followup.web.api.common import engine_of
from followup.web.auth import Staff, require_staff

# Nine digits at most: always inside an INTEGER column, so a long number is an unknown
# patient and never a database error.
PATIENT = r"^(Patient/)?[0-9]{1,9}$"
_PATIENT = re.compile(PATIENT)
_BUNDLE = {
    "type": "object",
    "description": "A FHIR R4 Bundle of type searchset.",
    "required": ["resourceType", "type", "total"],
    "properties": {
        "resourceType": {"const": "Bundle"},
        "type": {"const": "searchset"},
        "total": {"type": "integer"},
        "link": {"type": "array", "items": {"type": "object"}},
        "entry": {"type": "array", "items": {"type": "object"}},
    },
}
_OUTCOME = {
    "type": "object",
    "description": "A FHIR R4 OperationOutcome: what was wrong, in `issue[].diagnostics`.",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"const": "OperationOutcome"},
        "issue": {"type": "array", "items": {"type": "object"}},
    },
}


def _resource_schema(resource_type: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": f"A FHIR R4 {resource_type}.",
        "required": ["resourceType", "id"],
        "properties": {"resourceType": {"const": resource_type}, "id": {"type": "string"}},
    }


def _fhir(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {MEDIA_TYPE: {"schema": schema}}}


class FhirJson(Response):
    media_type = MEDIA_TYPE


def _answer(resource: Resource, status_code: int = 200) -> FhirJson:
    return FhirJson(to_json(resource), status_code=status_code)


class _BadSearch(Exception):
    """A search parameter that cannot be used; the message says which and why."""


def _patient_param() -> dict[str, Any]:
    return {
        "name": "patient",
        "in": "query",
        "required": True,
        "description": "The patient: followup's id (`id` in /api/patients), as 12 or Patient/12.",
        "schema": {"type": "string", "pattern": PATIENT},
    }


def _patient_id(request: Request) -> int:
    values = request.query_params.getlist("patient")
    if not values:
        raise _BadSearch("patient: required, e.g. patient=12 or patient=Patient/12")
    if len(values) > 1 or not _PATIENT.fullmatch(values[0]):
        raise _BadSearch("patient: one patient id, e.g. 12 or Patient/12 (the id in /api/patients)")
    return int(values[0].removeprefix("Patient/"))


def _codes(request: Request) -> set[str] | None:
    # A token list, "44261-6,http://loinc.org|70274-6": any other system matches nothing.
    values = [v for v in request.query_params.getlist("code") if v]
    if not values:
        return None
    codes = set()
    for token in ",".join(values).split(","):
        system, _, code = token.rpartition("|")
        if system in ("", LOINC):
            codes.add(code)
    return codes


def _matches(resource: FhirResource, resource_type: str, codes: set[str] | None) -> bool:
    if resource.get_resource_type() != resource_type:
        return False
    if codes is None or not isinstance(resource, Observation):
        return True
    return any(c.system == LOINC and c.code in codes for c in resource.code.coding or [])


def _search(request: Request, resource_type: str, staff: Staff) -> FhirJson:
    try:
        patient_id = _patient_id(request)
    except _BadSearch as exc:
        return _answer(outcome(str(exc)), 400)
    codes = _codes(request) if resource_type == "Observation" else None
    base = str(request.base_url).rstrip("/") + "/api/fhir"
    with Session(engine_of(request)) as session:
        patient = session.get(Patient, patient_id)
        protocol = request.app.state.protocol
        # Another location's patient reads as no patient, as everywhere in the API.
        if patient is None or not staff.scope.allows(protocol, patient.location):
            warning = outcome(f"no patient has id {patient_id}", "not-found", "warning")
            return _answer(searchset([], base, str(request.url), warning))
        found = patient_resources(session, protocol, clock.now(), [subject_of(patient)])
    matches = [resource for resource in found if _matches(resource, resource_type, codes)]
    return _answer(searchset(matches, base, str(request.url)))


def _read(request: Request, resource_type: str, resource_id: str, staff: Staff) -> FhirJson:
    with Session(engine_of(request)) as session:
        protocol = request.app.state.protocol

        def seen(patient: Patient) -> bool:
            return staff.scope.allows(protocol, patient.location)

        found = read(session, protocol, clock.now(), resource_type, resource_id, seen)
    if found is None:
        text = f"no {resource_type} has id {resource_id[:80]!r}"
        return _answer(outcome(text, "not-found"), 404)
    return _answer(found)


def routes() -> APIRouter:
    """The routes, to be included under /api with its authentication."""
    router = APIRouter(prefix="/fhir")
    searched: dict[int | str, dict[str, Any]] = {
        200: _fhir(_BUNDLE, "The matches, oldest first."),
        400: _fhir(_OUTCOME, "A search parameter that cannot be used."),
    }
    found: dict[int | str, dict[str, Any]] = {404: _fhir(_OUTCOME, "No such resource.")}

    @router.get(
        "/QuestionnaireResponse",
        response_class=FhirJson,
        responses=searched,
        openapi_extra={"parameters": [_patient_param()]},
    )
    def questionnaire_responses(
        request: Request, staff: Staff = Depends(require_staff)
    ) -> FhirJson:
        """A patient's rating scales (PHQ-9, GAD-7) completed or stopped, with every answer,
        as FHIR QuestionnaireResponses. Those still being answered are left out."""
        return _search(request, "QuestionnaireResponse", staff)

    @router.get(
        "/Observation",
        response_class=FhirJson,
        responses=searched,
        openapi_extra={
            "parameters": [
                _patient_param(),
                {
                    "name": "code",
                    "in": "query",
                    "required": False,
                    "description": "Only these LOINC codes, comma-separated: 44261-6 "
                    "(PHQ-9 total), 70274-6 (GAD-7 total); `http://loinc.org|` may precede.",
                    "schema": {"type": "string"},
                },
            ]
        },
    )
    def observations(request: Request, staff: Staff = Depends(require_staff)) -> FhirJson:
        """A patient's rating-scale totals as FHIR Observations."""
        return _search(request, "Observation", staff)

    @router.get(
        "/QuestionnaireResponse/{resource_id:path}",
        response_class=FhirJson,
        responses={200: _fhir(_resource_schema("QuestionnaireResponse"), "It."), **found},
    )
    def questionnaire_response(
        request: Request, resource_id: str, staff: Staff = Depends(require_staff)
    ) -> FhirJson:
        """One QuestionnaireResponse, by the id the search gave it."""
        return _read(request, "QuestionnaireResponse", resource_id, staff)

    @router.get(
        "/Observation/{resource_id:path}",
        response_class=FhirJson,
        responses={200: _fhir(_resource_schema("Observation"), "It."), **found},
    )
    def observation(
        request: Request, resource_id: str, staff: Staff = Depends(require_staff)
    ) -> FhirJson:
        """One Observation, by the id the search gave it."""
        return _read(request, "Observation", resource_id, staff)

    return router
