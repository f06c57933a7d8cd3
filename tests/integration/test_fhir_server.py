"""The export against a real FHIR R4 server: `followup reports export --format fhir --bundle
transaction` POSTed to it is accepted whole, each resource reads back and is found by the
server's own searches on our codes, and a second import updates instead of copying.

The server (`fhir_server`, tests/integration/conftest.py) is Medplum's FHIR router on its
in-memory repository, which validates every resource against the R4 definitions.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.integration.test_api_fhir import seed_scales
from tests.integration.test_fhir_export import bundle_of, export

pytestmark = pytest.mark.slow


def call(
    base: str, method: str, path: str, body: str | None = None, token: str | None = None
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        base + path,
        data=body.encode() if body is not None else None,
        method=method,
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def search(base: str, path: str) -> list[str]:
    status, bundle = call(base, "GET", path)
    assert status == 200, bundle
    return sorted(entry["resource"]["id"] for entry in bundle.get("entry", []))


def test_the_exported_transaction_is_accepted_read_back_and_found_by_code(
    engine: Engine, fhir_server: str
) -> None:
    s = seed_scales(engine)
    status, stdout, _ = export(engine, "--bundle", "transaction")
    assert status == 0
    sent = bundle_of(stdout)
    status, answer = call(fhir_server, "POST", "/", stdout)
    assert status == 200, json.dumps(answer)[:3000]
    assert answer["type"] == "transaction-response"
    assert [e["response"]["status"] for e in answer["entry"]] == ["200"] * len(sent["entry"])
    for entry in sent["entry"]:
        mine = entry["resource"]
        status, theirs = call(fhir_server, "GET", "/" + entry["request"]["url"])
        assert status == 200, theirs
        theirs.pop("meta")  # the server's version and time
        assert theirs == mine
    loinc = urllib.parse.quote("http://loinc.org|44261-6")
    assert search(fhir_server, f"/Observation?subject=Patient/{s.ana}&code={loinc}") == [
        f"phq9-{s.ana_phq9}-total"
    ]
    assert search(fhir_server, "/QuestionnaireResponse?status=stopped") == [f"phq9-{s.ana_stopped}"]
    derived = f"QuestionnaireResponse/gad7-{s.luis_gad7}"
    assert search(fhir_server, f"/Observation?derived-from={derived}") == [
        f"gad7-{s.luis_gad7}-total"
    ]


def test_importing_the_same_export_twice_updates_instead_of_copying(
    engine: Engine, fhir_server: str
) -> None:
    seed_scales(engine)
    stdout = export(engine, "--bundle", "transaction")[1]
    for _ in range(2):
        status, answer = call(fhir_server, "POST", "/", stdout)
        assert status == 200, json.dumps(answer)[:3000]
    assert len(search(fhir_server, "/QuestionnaireResponse")) == 4
    assert len(search(fhir_server, "/Observation")) == 3


def test_the_server_refuses_what_is_not_valid_fhir(fhir_server: str) -> None:
    # The checks above mean something only if the server would refuse a broken resource.
    broken = {"resourceType": "QuestionnaireResponse", "id": "x", "answered": "yes"}
    status, answer = call(fhir_server, "PUT", "/QuestionnaireResponse/x", json.dumps(broken))
    assert status == 400 and answer["resourceType"] == "OperationOutcome"
