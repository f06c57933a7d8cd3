"""A throwaway PostgreSQL server for tests and benchmarks: a temp directory, a loopback port.

PostgreSQL refuses to run as root, so when we are root the server runs as the `postgres`
user (Debian's packages create it) in a directory that user owns.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from followup.testing.web import free_port


def find_binaries() -> Path | None:
    """Debian's PostgreSQL binaries (newest version), or FOLLOWUP_PG_BIN, or None."""
    configured = os.environ.get("FOLLOWUP_PG_BIN")
    candidates = (
        [configured] if configured else sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    )
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    return None


class TemporaryPostgres:
    """Start with `with TemporaryPostgres() as pg:`; `pg.url(dbname)` is a SQLAlchemy URL."""

    def __init__(self, binaries: Path | None = None) -> None:
        found = binaries or find_binaries()
        if found is None:
            raise RuntimeError(
                "PostgreSQL binaries not found (install postgresql or set FOLLOWUP_PG_BIN)"
            )
        self.bin = found
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="followup-pg-"))
        self.data = self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def __enter__(self) -> TemporaryPostgres:
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")
        self._run(
            [
                "initdb",
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ]
        )
        self.start_server()
        return self

    def start_server(self) -> None:
        """Start the server on its port (again, after `stop_server`)."""
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c full_page_writes=off"
        self._run(
            [
                "pg_ctl",
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.root / "log"),
                "-w",
                "start",
            ]
        )

    def stop_server(self, mode: str = "fast") -> None:
        """Stop the server but keep its data: clients see a database that went away."""
        self._run(["pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop"])

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self, mode: str = "fast") -> None:
        """Stop the server and remove its directory."""
        if self.data.exists():
            self._run(["pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop"], check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def restart(self) -> None:
        """Stop and start again on the same port: what a database restart looks like to clients."""
        self._run(["pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "restart"])

    def _run(self, args: Sequence[str], check: bool = True) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)
