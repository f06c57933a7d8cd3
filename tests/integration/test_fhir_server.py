"""The export against a real FHIR R4 server: `followup reports export --format fhir --bundle
transaction` POSTed to it is accepted whole, each resource reads back and is found by the
server's own searches on our codes, and a second import updates instead of copying.

The server is Medplum's FHIR router on its in-memory repository (npm, Apache-2.0; pinned in
fhir_server/package-lock.json), which validates every resource against the R4 definitions.
HAPI FHIR would be the usual choice but comes from Maven Central, which this project's
machines cannot reach; Medplum installs from npm in seconds and starts in about three.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from followup.testing.processes import wait_for
from tests.integration.test_api_fhir import seed_scales
from tests.integration.test_fhir_export import bundle_of, export

pytestmark = pytest.mark.slow
SERVER = Path(__file__).with_name("fhir_server")


def _require_node() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        if os.environ.get("CI"):
            pytest.fail("Node.js and npm are missing in CI: the FHIR server test needs them")
        pytest.skip("Node.js and npm not found (apt-get install nodejs npm)")
    return node, npm


def _install(npm: str) -> None:
    """`npm ci` once per lock file, even with several test workers starting together."""
    lock = (SERVER / "package-lock.json").read_bytes()
    stamp = SERVER / "node_modules" / ".followup-installed"
    wanted = hashlib.sha256(lock).hexdigest()
    with (SERVER / ".install-lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if stamp.exists() and stamp.read_text() == wanted:
            return
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=SERVER,
            check=True,
            capture_output=True,
            timeout=300,
        )
        stamp.write_text(wanted)


@pytest.fixture
def fhir_server(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty FHIR server on a loopback port; its base URL."""
    node, npm = _require_node()
    _install(npm)
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    # Medplum uses the WebSocket class that Node has built in from 22 on, behind a flag in 20.
    flags = (
        ["--experimental-websocket"] if int(version.stdout.lstrip("v").split(".")[0]) < 22 else []
    )
    log = tmp_path / "fhir-server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [node, *flags, "server.js", "0"], cwd=SERVER, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for(
            lambda: "listening" in log.read_text() or process.poll() is not None,
            seconds=60,
            what="the FHIR server to start",
        )
        assert process.poll() is None, log.read_text()[-3000:]
        yield f"http://127.0.0.1:{log.read_text().split('listening ')[1].split()[0]}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def call(base: str, method: str, path: str, body: str | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        base + path,
        data=body.encode() if body is not None else None,
        method=method,
        headers={"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"},
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
