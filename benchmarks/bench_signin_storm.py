"""The webhook while clients storm the staff sign-in: does a patient's crisis reply wait?

`followup web` (the whole app under uvicorn, a migrated SQLite file with 1,000 patients and
one staff account). `wrk` with 64 connections posts pre-signed Twilio webhooks at a steady
`--paced-rate` (200 a second, as bench_webhook's latency phase), and a probe sends a crisis
text ("I want to kill myself") from a patient every 100 ms, timing each answer and
checking it carries 988. Three phases of `--seconds` each, one server each:

- **idle**: nobody signs in (the baseline, measured in the same run);
- **storm, 8 addresses**: 8 clients post wrong passwords for the staff account as fast as
  they are answered, each from an address of its own (X-Forwarded-For, as from a proxy
  on the same host): what an attacker meets, the sign-in limits included;
- **storm, every try new**: the same 8 clients, each try from a new address and for an
  unknown email, so that no limit or lock cuts it short and every one costs an Argon2
  verification: the worst case for the webhook.

The three phases run `--rounds` times in turn, and each claim is the median of the
rounds: on two cores shared with wrk, the load generators and other work, one phase's p99
alone can swing threefold. Targets: the webhook's p99 in each storm within 2x the idle
p99 of the same round, and the crisis reply's p99 under 100 ms.

    python -m benchmarks.bench_signin_storm [--seconds 15] [--rounds 3] [--paced-rate 200]
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from benchmarks.bench_webhook import CLINIC, PATIENTS, PUBLIC, TOKEN, load, serve, write_requests
from benchmarks.common import figure, header, ratio
from benchmarks.seed import ROOT, benchmark_protocol, phone, seed_due_sms
from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.staff import add_staff
from followup.testing.web import free_port

CLIENTS = 8
CONNECTIONS = 64
CRISIS = "I want to kill myself"
STAFF = "nurse@example-clinic.org"


class Client:
    """One keep-alive connection to the server, with the session cookie it was given."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def send(self, method: str, path: str, body: str = "", **headers: str) -> tuple[int, str]:
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body.encode(), headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        cookie = response.getheader("set-cookie", "")
        if cookie.startswith("followup_session="):
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text


def storm(port: int, client: int, fresh: bool, stop: threading.Event, tries: list[int]) -> None:
    """Wrong passwords until told to stop (from one address, or a new one every try)."""
    browser = Client(port)
    page = browser.send("GET", "/staff/sign-in")[1]
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    n = 0
    while not stop.is_set():
        n += 1
        address = f"10.{client}.{n // 250 % 250}.{n % 250 + 1}" if fresh else f"192.0.2.{client}"
        email = f"x{client}.{n}@example.org" if fresh else STAFF
        form = urlencode({"csrf_token": token, "email": email, "password": f"guess {n}"})
        browser.send("POST", "/staff/sign-in", form, **{"X-Forwarded-For": address})
        tries[client] += 1


def probe(port: int, prefix: str, stop: threading.Event, took: list[float]) -> int:
    """A crisis text every 100 ms until told to stop; how many answers lacked 988."""
    validator, client, missing, n = RequestValidator(TOKEN), Client(port), 0, 0
    while not stop.is_set():
        n += 1
        params = {
            "MessageSid": f"SMcrisis{prefix}{n:020d}",
            "From": phone(n % PATIENTS),
            "To": CLINIC,
            "Body": CRISIS,
        }
        signature = validator.compute_signature(PUBLIC + "/twilio/sms", params)
        started = time.perf_counter()
        status, body = client.send(
            "POST", "/twilio/sms", urlencode(params), **{"X-Twilio-Signature": signature}
        )
        took.append(time.perf_counter() - started)
        missing += status != 200 or "988" not in body
        stop.wait(0.1)
    return missing


def phase(
    name: str, storm_kind: str | None, env: dict[str, str], requests: Path, args: argparse.Namespace
) -> dict[str, float]:
    """One server, wrk's paced webhooks, the crisis probe, and the storm if any."""
    port = free_port()
    command = [sys.executable, "-m", "followup", "web", "--host", "127.0.0.1", "--port"]
    server = serve([*command, str(port)], env, port)
    stop, tries, took = threading.Event(), [0] * CLIENTS, []  # type: ignore[var-annotated]
    clients = [
        threading.Thread(target=storm, args=(port, c, storm_kind == "fresh", stop, tries))
        for c in range(CLIENTS if storm_kind else 0)
    ]
    missing: list[int] = []
    prober = threading.Thread(
        target=lambda: missing.append(probe(port, name, stop, took)), daemon=True
    )
    try:
        for client in clients:
            client.start()
        time.sleep(1 if clients else 0)  # the storm is on before anything is measured
        prober.start()
        webhook = load(port, requests, args.seconds, CONNECTIONS, [], args.paced_rate)
    finally:
        stop.set()
        for thread in [*clients, prober]:
            thread.join(timeout=60)
        server.terminate()
        server.wait(30)
    took.sort()
    p99 = took[min(len(took) - 1, int(len(took) * 0.99))] * 1000 if took else float("nan")
    print(
        f"  {name}: webhook {webhook['rps']:,.1f} req/s, p50 {webhook['p50_ms']:.1f} ms, "
        f"p99 {webhook['p99_ms']:.1f} ms, {int(webhook['bad'])} not 2xx; crisis replies "
        f"{len(took)}, p50 {took[len(took) // 2] * 1000:.1f} ms, p99 {p99:.1f} ms, "
        f"{missing[0] if missing else '?'} without 988; sign-in tries {sum(tries):,}"
    )
    return {"p99": webhook["p99_ms"], "crisis_p99": p99, "tries": sum(tries)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--paced-rate", type=float, default=200)
    args = parser.parse_args()
    header("sign-in storm against the webhook: uvicorn, wrk, Argon2")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk (make bench does this as root)")
    print(
        f"  {CONNECTIONS} connections at {args.paced_rate:g} webhooks/s, {CLIENTS} sign-in "
        f"clients, a crisis text every 100 ms, {args.seconds} s a phase, {args.rounds} rounds; "
        "SQLite; unpinned"
    )
    with tempfile.TemporaryDirectory(prefix="bench-storm-") as tmp:
        directory = Path(tmp)
        engine = make_engine(f"sqlite:///{directory / 'web.db'}")
        upgrade(engine)
        now = datetime.now(UTC)
        seed_due_sms(engine, benchmark_protocol(), PATIENTS, now)
        add_staff(engine, STAFF, "clinician", "four unrelated words here", now)
        engine.dispose()
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
        env.update(
            FOLLOWUP_DATABASE_URL=f"sqlite:///{directory / 'web.db'}",
            FOLLOWUP_PROTOCOL_FILE=str(ROOT / "config" / "protocol.toml"),
            FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
            FOLLOWUP_TWILIO_AUTH_TOKEN=TOKEN,
            FOLLOWUP_PUBLIC_URL=PUBLIC,
            FOLLOWUP_SECRET_KEY="bench-secret-key-0c5d2f7e9a41",
            FOLLOWUP_SPOOL_DIR=str(directory / "spool"),
            FOLLOWUP_LOG_LEVEL="ERROR",
        )
        rounds: list[dict[str, dict[str, float]]] = []
        for round_ in range(1, args.rounds + 1):
            print(f"  round {round_}:")
            results = {}
            for name, kind in PHASES:
                requests = directory / f"requests-{round_}-{len(results)}.tsv"
                write_requests(
                    requests, int(args.paced_rate * args.seconds * 2), f"r{round_}s{len(results)}"
                )
                results[name] = phase(name, kind, env, requests, args)
            rounds.append(results)
    for name, _ in PHASES[1:]:
        crisis = statistics.median(r[name]["crisis_p99"] for r in rounds)
        figure(f"{name}: crisis reply p99, median of rounds", crisis, "ms")
        print(f"  {name}: crisis p99 target < 100 ms {'OK' if crisis < 100 else 'MISSED'}")
        ratios = [r[name]["p99"] / r["idle"]["p99"] for r in rounds]
        print(f"  {name}: webhook p99 / idle p99 by round: {', '.join(f'{x:.2f}' for x in ratios)}")
        ratio(f"{name}: webhook p99 / idle p99, median", statistics.median(ratios), 1.0, 2.0, False)


PHASES = (("idle", None), ("storm, 8 addresses", "fixed"), ("storm, every try new", "fresh"))


if __name__ == "__main__":
    main()
