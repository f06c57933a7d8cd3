"""Run Alembic migrations from code, so `followup db upgrade` needs no alembic.ini."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, make_url
from sqlalchemy.exc import OperationalError

from followup.core.errors import ConfigError
from followup.db.engine import make_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
UPGRADE_FIRST = "run `followup db upgrade` first"


class DatabaseNotReady(ConfigError):
    """The database cannot be used as it stands."""


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest revision."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def pending_revisions(engine: Engine) -> bool:
    """True when the database is behind the newest migration."""
    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current != head


def require_current(database_url: str) -> None:
    """Raise DatabaseNotReady unless the database exists, answers and has the newest schema.

    A SQLite file that does not exist is reported, never created by connecting to it.
    """
    path = _sqlite_path(database_url)
    if path is not None and not path.exists():
        raise DatabaseNotReady(f"the database {path} does not exist yet: {UPGRADE_FIRST}")
    with connected(database_url) as engine:
        behind = pending_revisions(engine)
    if behind:
        raise DatabaseNotReady(
            f"the database {describe(database_url)} is not up to date: {UPGRADE_FIRST}"
        )


@contextmanager
def connected(database_url: str) -> Iterator[Engine]:
    """An engine on the database, disposed after; failing to reach it is one line naming it."""
    engine = make_engine(database_url)
    try:
        yield engine
    except OperationalError as exc:
        # The driver's own first line ("Connection refused", "unable to open database
        # file"); never SQLAlchemy's text, which quotes the statement and its values.
        reason = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
        path = _sqlite_path(database_url)
        if path is not None and not path.parent.is_dir():
            reason = f"its folder {path.parent} does not exist"  # SQLite only says "unable to open"
        raise DatabaseNotReady(
            f"cannot use the database {describe(database_url)}: {reason} "
            "(check FOLLOWUP_DATABASE_URL)"
        ) from None
    finally:
        engine.dispose()


def describe(database_url: str) -> str:
    """The database as messages name it: a SQLite file's full path, else the URL, no password."""
    path = _sqlite_path(database_url)
    return str(path) if path else make_url(database_url).render_as_string(hide_password=True)


def _sqlite_path(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).resolve()


@contextmanager
def temporary_database() -> Iterator[Engine]:
    """A migrated SQLite database in a temporary folder, deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="followup-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'throwaway.db'}")
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()
