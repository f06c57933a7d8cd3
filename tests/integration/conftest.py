"""Integration tests use `engine`, `database_url` and `postgres` from tests/conftest.py, and
`fhir_server` / `start_fhir_server` from here: a real FHIR R4 server on loopback.

The server is Medplum's FHIR router on its in-memory repository (npm, Apache-2.0; pinned in
fhir_server/package-lock.json), which validates every resource against the R4 definitions;
fhir_server/server.js adds `next` links and bearer-token sign-in around it. HAPI FHIR would
be the usual choice but comes from Maven Central, which this project's machines cannot
reach; Medplum installs from npm in seconds and starts in about three.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from followup.testing.processes import wait_for

FHIR_SERVER = Path(__file__).with_name("fhir_server")
StartFhirServer = Callable[..., str]


def _require_node() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        if os.environ.get("CI"):
            pytest.fail("Node.js and npm are missing in CI: the FHIR server tests need them")
        pytest.skip("Node.js and npm not found (apt-get install nodejs npm)")
    return node, npm


def _install(npm: str) -> None:
    """`npm ci` once per lock file, even with several test workers starting together."""
    lock = (FHIR_SERVER / "package-lock.json").read_bytes()
    stamp = FHIR_SERVER / "node_modules" / ".followup-installed"
    wanted = hashlib.sha256(lock).hexdigest()
    with (FHIR_SERVER / ".install-lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if stamp.exists() and stamp.read_text() == wanted:
            return
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=FHIR_SERVER,
            check=True,
            capture_output=True,
            timeout=300,
        )
        stamp.write_text(wanted)


@pytest.fixture
def start_fhir_server(tmp_path: Path) -> Iterator[StartFhirServer]:
    """Start fresh, empty FHIR servers on loopback ports; each call returns a base URL.

    Keyword arguments become the server's environment: FHIR_BEARER_TOKEN, or
    FHIR_CLIENT_ID and FHIR_CLIENT_SECRET, make it require a bearer token.
    """
    node, npm = _require_node()
    _install(npm)
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    # Medplum uses the WebSocket class that Node has built in from 22 on, behind a flag in 20.
    flags = (
        ["--experimental-websocket"] if int(version.stdout.lstrip("v").split(".")[0]) < 22 else []
    )
    processes: list[subprocess.Popen[bytes]] = []

    def start(**env: str) -> str:
        log = tmp_path / f"fhir-server-{len(processes)}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [node, *flags, "server.js", "0"],
                cwd=FHIR_SERVER,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **env},
            )
        processes.append(process)
        wait_for(
            lambda: "listening" in log.read_text() or process.poll() is not None,
            seconds=60,
            what="the FHIR server to start",
        )
        assert process.poll() is None, log.read_text()[-3000:]
        return f"http://127.0.0.1:{log.read_text().split('listening ')[1].split()[0]}"

    try:
        yield start
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def fhir_server(start_fhir_server: StartFhirServer) -> str:
    """A fresh, empty FHIR server on a loopback port, open to all; its base URL."""
    return start_fhir_server()
