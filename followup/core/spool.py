"""Local spool files: what a process must not lose while the database cannot take it.

Each process keeps its own SQLite file in a spool directory, held with an exclusive
`flock` on a lock file beside it for as long as the process lives. A file whose lock
can be taken belongs to a process that died: any process of the same database adopts
it, empties it into the database, and deletes it.

SQLite, not a hand-written append-only log: in WAL mode with `synchronous=FULL` a commit
is on disk when it returns (one fsync of the WAL), a torn last write is rolled back by
SQLite itself at the next open, and the records are read back in order by a query. It
is in the standard library and runs in-process, so it works when nothing else does.

Every file names the database it belongs to (a digest of its URL, password left out):
a spool is never emptied into another clinic's database.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import socket
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)


def database_identity(database_url: str) -> str:
    """A short digest naming one database, the same for every process that uses it."""
    url = make_url(database_url).set(password=None)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        url = url.set(database=str(Path(url.database or "").resolve()))
    return hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]


def default_spool_dir(database_url: str) -> Path:
    """Where spools live when no directory is set: per user and per database, on local disk."""
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "followup" / database_identity(database_url)


class Spool:
    """One process's spool file of a given kind (`inbound`, `sent`), created on first use.

    `schema` creates its tables; every connection is this process's own and is used under
    a lock, so the webhook threads and the replay thread may share it.
    """

    def __init__(self, directory: Path, kind: str, identity: str, schema: str) -> None:
        self.directory, self.kind, self.identity, self.schema = directory, kind, identity, schema
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._lock_file: int | None = None
        self.path: Path | None = None

    @contextmanager
    def transaction(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """This process's file, in one transaction: committed when the block ends, and on
        disk then when `durable` (an fsync). Forgetting need not be durable: a record that
        comes back after a power cut is handled again, and handling is idempotent."""
        with self._lock:
            connection = self._open()
            connection.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            with connection:
                yield connection

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            name = f"{self.kind}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            path = self.directory / f"{name}.sqlite"
            self._lock_file = _hold(path)
            assert self._lock_file is not None
            self._connection = _connect(path, self.schema, self.identity)
            self.path = path
        return self._connection

    def orphans(self) -> Iterator[sqlite3.Connection]:
        """Each spool of this kind and database whose process died, held while it is read.

        A file is deleted after the caller's loop body has finished with it (it commits
        its own changes); one the caller leaves non-empty stays for the next pass.
        """
        for path in spool_files(self.directory, self.kind):
            if path == self.path:
                continue
            held = _hold(path)
            if held is None:
                continue  # a live process's own
            try:
                if not path.exists():  # adopted and emptied by another process meanwhile
                    continue
                connection = _connect(path, self.schema, None)
                try:
                    if _identity(connection) != self.identity:
                        continue
                    yield connection
                    empty = _is_empty(connection)
                finally:
                    connection.close()
                if empty:
                    _remove(path)
            except sqlite3.DatabaseError as exc:
                log.error("spool %s cannot be read (%s); left for a person", path.name, exc)
            finally:
                os.close(held)

    def close(self) -> None:
        """Close this process's file; an empty one is deleted."""
        with self._lock:
            if self._connection is not None:
                empty = _is_empty(self._connection)
                self._connection.close()
                self._connection = None
                if empty and self.path is not None:
                    _remove(self.path)
            if self._lock_file is not None:
                os.close(self._lock_file)
                self._lock_file = None


def spool_files(directory: Path, kind: str) -> list[Path]:
    """Every spool file of a kind in a directory, live processes' and dead ones'."""
    if not directory.is_dir():
        return []
    return sorted(directory.glob(f"{kind}-*.sqlite"))


def _hold(path: Path) -> int | None:
    """The lock on a spool file, or None when a live process holds it."""
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _connect(path: Path, schema: str, identity: str | None) -> sqlite3.Connection:
    """Open a spool file; a new one (with `identity`) is created readable by its owner only."""
    if identity is not None and not path.exists():
        path.touch(mode=0o600)
    # mode=rw: an orphan is never created by opening it.
    connection = sqlite3.connect(
        f"file:{path}?mode=rw", uri=True, check_same_thread=False, isolation_level=None
    )
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA busy_timeout=5000")
    # The connection's own transactions: `with connection` commits, as sqlite3 expects.
    connection.isolation_level = "DEFERRED"
    with connection:
        connection.executescript(
            "CREATE TABLE IF NOT EXISTS spool_meta (identity TEXT NOT NULL);" + schema
        )
        if identity is not None and _identity(connection) is None:
            connection.execute("INSERT INTO spool_meta (identity) VALUES (?)", (identity,))
    return connection


def _identity(connection: sqlite3.Connection) -> str | None:
    row = connection.execute("SELECT identity FROM spool_meta").fetchone()
    return str(row[0]) if row else None


def _is_empty(connection: sqlite3.Connection) -> bool:
    tables = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'spool_meta'"
            " AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return all(
        connection.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() is None for name in tables
    )


def _remove(path: Path) -> None:
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}.lock")):
        leftover.unlink(missing_ok=True)
