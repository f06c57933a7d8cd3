from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.testing.postgres import TemporaryPostgres, find_binaries

TEMPLATE = "followup_template"


@pytest.fixture(scope="session")
def postgres() -> Iterator[TemporaryPostgres]:
    """One real PostgreSQL for the session, with a migrated template database to clone."""
    if find_binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries are missing in CI: .ci/run must install postgresql")
        pytest.skip(
            "PostgreSQL binaries not found (apt-get install postgresql, or set FOLLOWUP_PG_BIN)"
        )
    with TemporaryPostgres() as server:
        admin = make_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {TEMPLATE}"))
        admin.dispose()
        template = make_engine(server.url(TEMPLATE))
        upgrade(template)
        template.dispose()
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database: a SQLite file, or a PostgreSQL database cloned from the template."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    server: TemporaryPostgres = request.getfixturevalue("postgres")
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
    engine = make_engine(server.url(name))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()
