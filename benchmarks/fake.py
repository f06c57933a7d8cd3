"""FakeTwilio in a process of its own, so the server does not share a benchmark's GIL.

with FakeProcess(SID, TOKEN) as fake:
    ... send to fake.base_url ...
    fake.count(), fake.arrivals(), fake.twice()
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

from followup.testing.fake_twilio import FakeTwilio


def serve_fake(conn: Connection, sid: str, token: str) -> None:
    """Child process: a FakeTwilio until told to stop, answering questions about it."""
    with FakeTwilio(sid, token) as fake:
        conn.send(fake.base_url)
        while (command := conn.recv()) != "stop":
            if command == "count":
                conn.send(fake.accepted)
            elif command == "arrivals":
                conn.send(fake.arrivals)
            elif command == "twice":
                conn.send(sum(1 for n in fake.deliveries().values() if n > 1))
    conn.send("stopped")


class FakeProcess:
    """A FakeTwilio in another process, checked against one account SID and token."""

    def __init__(self, sid: str, token: str) -> None:
        self.sid, self.token = sid, token

    def __enter__(self) -> FakeProcess:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=serve_fake, args=(child, self.sid, self.token), daemon=True
        )
        self.process.start()
        self.base_url: str = self.conn.recv()
        return self

    def _ask(self, command: str) -> Any:
        self.conn.send(command)
        return self.conn.recv()

    def count(self) -> int:
        """How many messages it accepted."""
        return int(self._ask("count"))

    def arrivals(self) -> list[float]:
        """When each accepted message arrived (`time.monotonic()`, one clock for the host)."""
        return [float(t) for t in self._ask("arrivals")]

    def twice(self) -> int:
        """How many (To, Body) pairs it accepted more than once: 0 means no duplicates."""
        return int(self._ask("twice"))

    def __exit__(self, *exc: object) -> None:
        self.conn.send("stop")
        self.conn.recv()
        self.process.join(10)
