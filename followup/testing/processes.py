"""Run `followup` commands as real processes, for end-to-end and fault tests.

Each process writes its log to a file rather than a pipe: a pipe nobody reads fills up
after 64 KiB and the process blocks on its next log line, which looks like a hang.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

FOLLOWUP = [sys.executable, "-m", "followup"]


def clean_environment(**settings: str) -> dict[str, str]:
    """This process's environment without any FOLLOWUP_* variable, plus `settings`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("FOLLOWUP_")}
    env.update(settings)
    return env


def wait_for(
    condition: Callable[[], bool], seconds: float = 60, what: str = "condition", every: float = 0.2
) -> None:
    """Poll `condition` until it holds; AssertionError naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {seconds:g} s waiting for {what}")


def answers(url: str) -> bool:
    """True once `url` answers 200: a web process is up."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


class FollowupProcess:
    """One `followup <command>` process; its stderr (the log) goes to `log_path`."""

    def __init__(self, args: list[str], env: Mapping[str, str], cwd: Path, log_path: Path) -> None:
        self.args = args
        self.log_path = log_path
        self._log: IO[str] = log_path.open("w")
        self.process = subprocess.Popen(
            [*FOLLOWUP, *args],
            # A process that will not stop is sent SIGABRT: its threads' stacks go to the log.
            env={"PYTHONFAULTHANDLER": "1", **env},
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            text=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    def log(self) -> str:
        """Everything the process has logged so far."""
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to give anything back, like a power cut."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self._log.close()

    def stop(self, timeout: float = 60) -> str:
        """SIGTERM, wait for a clean exit, and return the whole log."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGABRT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
            self._log.close()
            stacks = self.log_path.read_text(errors="replace")[-8000:]
            raise AssertionError(
                f"{' '.join(self.args)} did not stop within {timeout:g} s of SIGTERM;"
                f" the end of its log, with its threads' stacks:\n{stacks}"
            ) from None
        self._log.close()
        return self.log_path.read_text(errors="replace")
