"""Every staff page at a clinic's size: server time per page, signed in, over real HTTP.

A migrated SQLite file holds 2,000 patients (two infusions each, one in fifty today; the
first patient 61, months into a weekly series), 40,590 planned and sent messages, 5,000 replies (some crises, call requests and answers that
need a person), 10,000 survey answers, 200 alerts (40 open) and a year of calendar
syncs, inserted in bulk. The whole app runs under uvicorn in a thread; a timing layer
around it measures each request from its first byte in to its last byte out (server
time), and the client loads each page `--loads` times in turn after a warm-up load.
Prints median and p95 per page and flags any over 300 ms.

    python -m benchmarks.bench_staff_pages [--loads 20] [--patients 2000]
"""

from __future__ import annotations

import argparse
import http.client
import random
import tempfile
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from benchmarks.common import header, percentile
from benchmarks.seed import FIRST_NAMES, ROOT, benchmark_protocol, phone
from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.db.models import (
    Alert,
    Appointment,
    InboundMessage,
    MessageStatus,
    Patient,
    ScheduledMessage,
    SymptomReport,
    SyncRun,
)
from followup.settings import Settings
from followup.staff import add_staff
from followup.testing.web import serving
from followup.web.app import create_app

ADMIN, PASSWORD = "admin@example-clinic.org", "four unrelated words here"
TARGET_MS = 300.0
LONG_SERIES = 60  # infusions of the first patient: 610 messages on one patient page
LAST_NAMES = ["Rivera", "Okafor", "García", "Haddad", "Lindqvist", "Nguyen", "Kowalski", "Ali"]
STEPS = [f"checkin_day{d}" for d in (1, 3, 7, 14, 21)] + ["preparation", "reminder", "discharge"]
REPLIES = [
    ("answer", "ordinary", False, "7"),
    ("answer", "ordinary", False, "Feeling great today"),
    ("free_text", "ordinary", True, "Running 10 min late"),
    ("call_request", "ordinary", True, "CALL"),
    ("free_text", "review", True, "Not sleeping much this week"),
    ("free_text", "crisis", True, "I don't want to be here anymore"),
    ("free_text", "emergency", True, "Chest pain since I got home"),
]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGI = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]


class Client:
    """One keep-alive connection that keeps every cookie the server sets (session, device)."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, body: str = "") -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body.encode(), headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        for cookie in response.msg.get_all("set-cookie") or []:
            name, value = cookie.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        return response.status, text


class Timed:
    """ASGI wrapper: how long each request took inside the server, by path and query."""

    def __init__(self, app: ASGI) -> None:
        self.app = app
        self.took: dict[str, list[float]] = defaultdict(list)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        key = scope["path"] + (
            f"?{scope['query_string'].decode()}" if scope["query_string"] else ""
        )

        async def timed_send(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.took[key].append((time.perf_counter() - start) * 1000)

        await self.app(scope, receive, timed_send)


def seed_clinic(engine: Engine, patients: int, now: datetime, rng: random.Random) -> None:
    """The clinic, in bulk: what is inserted is not what is measured."""
    treatment = benchmark_protocol().default_treatment
    day = now.replace(hour=14, minute=0, second=0, microsecond=0)
    people, appointments, messages, inbound, answers, alerts = [], [], [], [], [], []
    for n in range(patients):
        pid = n + 1
        people.append(
            {
                "id": pid,
                "external_id": f"B{n:07d}",
                "first_name": FIRST_NAMES[n % len(FIRST_NAMES)],
                "last_name": f"{LAST_NAMES[n % len(LAST_NAMES)]}{n // len(LAST_NAMES):03d}",
                "phone": phone(n),
                "email": f"patient{n}@example.org",
                "language": "es" if n % 5 == 0 else "en",
                "sms_consent": True,
                "email_consent": n % 2 == 0,
                "created_at": now,
                "updated_at": now,
            }
        )
        # One infusion weeks ago, one to come; one patient in fifty comes today.
        past = day - timedelta(days=rng.randint(7, 60))
        soon = day + timedelta(days=0 if n % 50 == 0 else rng.randint(1, 14))
        # The first patient is months into a weekly series: the long patient page.
        starts = [past - timedelta(days=7 * i) for i in range(LONG_SERIES if n == 0 else 1)]
        starts.append(soon)
        first = len(appointments) + 1
        for k, start in enumerate(starts):
            appointments.append(
                {
                    "id": first + k,
                    "source": "bench.ics",
                    "source_uid": f"bench-{n}-{k}",
                    "patient_id": pid,
                    "start_at": start,
                    "end_at": start + timedelta(minutes=90),
                    "status": "booked" if start == soon else "completed",
                    "treatment": treatment,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        # Twenty messages a patient: ten an infusion (each step by SMS and by email).
        for k, start in enumerate(starts):
            appt = first + k
            for s, step in enumerate(STEPS[:5]):
                for channel in ("sms", "email"):
                    due = start + timedelta(days=s, hours=2)
                    went = due < now
                    messages.append(
                        {
                            "appointment_id": appt,
                            "patient_id": pid,
                            "step": step,
                            "kind": "checkin",
                            "template": step,
                            "channel": channel,
                            "due_at": due,
                            "quiet_hours_exempt": False,
                            "status": (MessageStatus.DELIVERED if went else MessageStatus.PENDING),
                            "attempts": 1 if went else 0,
                            "body": "How is your mood today, 0 to 10?" if went else None,
                            "sent_at": due if went else None,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
        for q in range(5):
            answers.append(
                {
                    "patient_id": pid,
                    "appointment_id": first,
                    "survey": "post_infusion",
                    "question": ("mood", "pain")[q % 2],
                    "value": float(rng.randint(0, 10)),
                    "reported_at": past + timedelta(days=q + 1),
                }
            )
    for r in range(5 * patients // 2):
        kind, urgency, attention, body = REPLIES[min(int(rng.expovariate(1.2)), len(REPLIES) - 1)]
        pid = rng.randint(1, patients)
        inbound.append(
            {
                "id": r + 1,
                "provider_sid": f"SMbench{r:08d}",
                "from_number": phone(pid - 1),
                "to_number": "+14025550100",
                "body": body,
                "received_at": now - timedelta(minutes=rng.randint(1, 60 * 24 * 60)),
                "patient_id": pid,
                "kind": kind,
                "needs_attention": attention,
                "urgency": urgency,
                "handled_at": None if rng.random() < 0.3 else now,
                "handled_by": None,
            }
        )
    for a in range(200):
        pid = rng.randint(1, patients)
        alerts.append(
            {
                "patient_id": pid,
                "severity": ("critical", "emergency", "high", "urgent")[a % 4],
                "reason": "bench alert",
                "created_at": now - timedelta(hours=a),
                "escalation_level": 0,
                "acknowledged_at": None if a < 40 else now,
                "acknowledged_by": None if a < 40 else ADMIN,
            }
        )
    syncs = [
        {
            "source": f"room-{s % 3}.ics",
            "started_at": now - timedelta(hours=s),
            "finished_at": now - timedelta(hours=s) + timedelta(seconds=2),
            "status": "ok",
        }
        for s in range(24 * 365 // 8)
    ]
    with engine.begin() as connection:
        for table, rows in (
            (Patient, people),
            (Appointment, appointments),
            (ScheduledMessage, messages),
            (InboundMessage, inbound),
            (SymptomReport, answers),
            (Alert, alerts),
            (SyncRun, syncs),
        ):
            for chunk in range(0, len(rows), 5000):
                connection.execute(insert(table.__table__), rows[chunk : chunk + 5000])  # type: ignore[attr-defined]
    print(
        f"  seeded {len(people):,} patients, {len(appointments):,} appointments, "
        f"{len(messages):,} messages, {len(inbound):,} replies, {len(answers):,} answers, "
        f"{len(alerts)} alerts, {len(syncs):,} syncs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--patients", type=int, default=2000)
    args = parser.parse_args()
    header("staff pages at a clinic's size: server time per page, signed in, SQLite")
    rng = random.Random(23)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'pages.db'}"
        engine = make_engine(url)
        upgrade(engine)
        seed_clinic(engine, args.patients, now, rng)
        add_staff(engine, ADMIN, "admin", PASSWORD, now)
        settings = Settings(
            database_url=url,
            secret_key="bench-secret-key-0c5d2f7e9a41",
            templates_dir=ROOT / "templates",
            spool_dir=Path(tmp) / "spool",
            log_level="ERROR",
        )  # type: ignore[call-arg]
        timed = Timed(create_app(settings, engine, benchmark_protocol()))
        busy = f"B{0:07d}"  # comes today, has replies and alerts like the rest
        pages = {
            "home": "/staff/",
            "today": "/staff/today",
            "inbox": "/staff/inbox",
            "inbox, needs a person": "/staff/inbox?attention=1",
            "alerts": "/staff/alerts",
            "patients": "/staff/patients",
            "patients, page 20": "/staff/patients?page=20",
            "patients, search by name": "/staff/patients?q=rivera",
            "patients, search by phone": "/staff/patients?"
            + urllib.parse.urlencode({"q": "(402) 500-0123"}),
            "patient": f"/staff/patients/{busy}",
            "patient, failed SMS": f"/staff/patients/{busy}?status=failed&channel=sms",
            "upcoming": "/staff/upcoming",
            "templates": "/staff/templates",
            "syncs": "/staff/syncs",
            "tokens": "/staff/tokens",
            "staff": "/staff/people",
        }
        with serving(timed) as base:
            client = Client(int(base.rsplit(":", 1)[1]))
            _, page = client.send("GET", "/staff/sign-in")
            csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            form = urllib.parse.urlencode(
                {"csrf_token": csrf, "email": ADMIN, "password": PASSWORD, "next": "/staff/"}
            )
            status, _ = client.send("POST", "/staff/sign-in", form)
            assert status == 303, status
            for path in pages.values():  # warm-up: templates compiled, caches filled
                status, _ = client.send("GET", path)
                assert status == 200, (path, status)
            timed.took.clear()
            for _ in range(args.loads):
                for path in pages.values():
                    client.send("GET", path)
        print(f"  {args.loads} loads a page after one warm-up; server time in ms")
        print("  | page | median | p95 | |\n  | --- | ---: | ---: | --- |")
        slow = []
        for name, path in pages.items():
            took = timed.took[path]
            median, p95 = percentile(took, 50), percentile(took, 95)
            flag = "OVER 300 ms" if p95 > TARGET_MS else "ok"
            if p95 > TARGET_MS:
                slow.append(name)
            print(f"  | {name} | {median:,.1f} | {p95:,.1f} | {flag} |")
        print(f"  over {TARGET_MS:.0f} ms at p95: {', '.join(slow) if slow else 'none'}")


if __name__ == "__main__":
    main()
