"""Fixtures every tier shares: the shipped protocol, and the two databases the suite runs on.

`engine` (a migrated database) and `database_url` (an empty one) are parametrised over
SQLite and a real PostgreSQL that the session starts itself. PostgreSQL is skipped, with
the reason, only where its binaries are absent, and never in CI.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, text

from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.protocol import Protocol, load_protocol
from followup.testing.postgres import TemporaryPostgres, find_binaries

# `make test` runs the "ci" profile: the same examples on every run, so the suite never
# goes red by chance. `make test-deep` runs "deep": new random examples, ten times as
# many, to find the counter-examples that become @example lines.
# No deadline in "ci": on 2 cores shared by the parallel suite an example can take longer
# than hypothesis's 200 ms for reasons that are not the code's, and the suite must not go
# red by chance. Speed is measured in benchmarks/, not here.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
settings.register_profile(
    "deep",
    max_examples=1000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def examples(n: int) -> int:
    """`n` examples under the "ci" profile, scaled as the loaded profile scales its default."""
    return max(1, n * settings.default.max_examples // 100)


ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "config" / "sample"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"  # browser tests' pages, for people
DATABASES = ["sqlite", "postgresql"]
TEMPLATE = "followup_template"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Clear the last run's screenshots once: in the controller when the suite runs in
    parallel (`pytest -n`), never in a worker, which would delete the others' pages.

    Spools (the journals of what the database has not taken yet) go to a directory of
    this process's own, inherited by the processes tests start: never the user's.
    """
    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="followup-state-")
    if not hasattr(session.config, "workerinput"):
        shutil.rmtree(SCREENSHOTS, ignore_errors=True)


@pytest.fixture(scope="session")
def protocol() -> Protocol:
    """The protocol the project ships: tests hold the defaults to what clinics get."""
    return load_protocol(ROOT / "config" / "protocol.toml")


def require_postgres_binaries() -> None:
    """Skip (or, in CI, fail) the test when Debian's PostgreSQL binaries are missing."""
    if find_binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries are missing in CI: .ci/run must install postgresql")
        pytest.skip(
            "PostgreSQL binaries not found (apt-get install postgresql, or set FOLLOWUP_PG_BIN)"
        )


@pytest.fixture(scope="session")
def postgres() -> Iterator[TemporaryPostgres]:
    """One real PostgreSQL for the session, with a migrated template database to clone."""
    require_postgres_binaries()
    with TemporaryPostgres() as server:
        create_database(server, TEMPLATE)
        template = make_engine(server.url(TEMPLATE))
        upgrade(template)
        template.dispose()
        yield server


def create_database(server: TemporaryPostgres, name: str, template: str | None = None) -> str:
    """Create a database on `server` (a clone of `template` if given); return its URL."""
    admin = make_engine(server.url(), isolation_level="AUTOCOMMIT")
    clause = f" TEMPLATE {template}" if template else ""
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}{clause}"))
    admin.dispose()
    return server.url(name)


def drop_database(server: TemporaryPostgres, name: str) -> None:
    """Drop a database even while a process still holds connections to it."""
    admin = make_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, unmigrated database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    server: TemporaryPostgres = request.getfixturevalue("postgres")
    name = f"test_{uuid.uuid4().hex[:12]}"
    url = create_database(server, name)
    yield url
    drop_database(server, name)


@pytest.fixture(params=DATABASES)
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
    engine = make_engine(create_database(server, name, template=TEMPLATE))
    yield engine
    engine.dispose()
    drop_database(server, name)


def url_of(engine: Engine) -> str:
    """The engine's URL as a string a `followup` process can be given (password kept)."""
    return engine.url.render_as_string(hide_password=False)
