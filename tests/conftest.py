from __future__ import annotations

from pathlib import Path

import pytest

from followup.protocol import Protocol, load_protocol

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "config" / "sample"


@pytest.fixture(scope="session")
def protocol() -> Protocol:
    """The protocol the project ships: tests hold the defaults to what clinics get."""
    return load_protocol(ROOT / "config" / "protocol.toml")
