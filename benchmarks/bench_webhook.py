"""The inbound SMS webhook under wrk with 64 connections, against a bare Starlette endpoint.

Ours is `followup web` itself (uvicorn, the whole app, a migrated SQLite file with 1,000
patients): each request is parsed, its X-Twilio-Signature checked, the message stored and
triaged, and TwiML answered. Every request carries its own MessageSid and signature
(pre-computed; wrk's Lua script cycles through them), so none is a deduplicated retry.
The baseline is a Starlette app, served by uvicorn the same way, that only parses the
same form and answers empty TwiML. Target: ours >= 0.35x the baseline's requests/s.
Ours and bare alternate for `--rounds` rounds, and the claim is the median of the rounds'
ratios: on two cores shared with wrk, one round's baseline alone can swing by half.

Then latency at a steady load: the same 64 connections, each pausing between requests so
that all together offer `--paced-rate` requests a second (200 by default: a whole network
of clinics at its busiest sends far fewer), ours then bare. Target: ours' p99 under 50 ms.
Saturated, as in the rounds above, latency is only queueing (64 requests in line over one
core), so it says nothing about how long a patient's reply waits.

On a machine of two or more cores the server runs on the first and wrk on the others
(`taskset`), as if on two machines; `--no-pin` leaves the placement to the scheduler.

    python -m benchmarks.bench_webhook [--seconds 15] [--connections 64] [--rounds 3]
        [--paced-rate 200] [--no-pin]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from benchmarks.common import figure, header, ratio
from benchmarks.seed import ROOT, benchmark_protocol, phone, seed_due_sms
from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.testing.web import free_port

TOKEN = "bench-webhook-token-91ab"
PUBLIC = "https://followup.example-clinic.org"
CLINIC = "+14025550100"
PATIENTS = 1000
BODIES = [
    "Thanks, see you next week",
    "ok thank you",
    "What time should I arrive?",
    "Feeling a bit tired today but fine",
    "Can I drive myself home?",
]
LUA = Path(__file__).with_name("webhook.lua")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


async def bare_sms(request: Request) -> Response:
    """Parse the form exactly as ours does, and nothing else."""
    form = dict(parse_qsl((await request.body()).decode("utf-8", errors="replace")))
    if not form.get("MessageSid"):
        return Response("missing MessageSid", status_code=400)
    return Response(EMPTY_TWIML, media_type="application/xml")


bare_app = Starlette(routes=[Route("/twilio/sms", bare_sms, methods=["POST"])])


def write_requests(path: Path, count: int, prefix: str) -> None:
    """One line per request: signature, a tab, the form body; each with its own MessageSid."""
    validator = RequestValidator(TOKEN)
    url = PUBLIC + "/twilio/sms"
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            params = {
                "MessageSid": f"SMbench{prefix}{n:024d}",
                "AccountSid": "AC" + "b3" * 16,
                "From": phone(n % PATIENTS),
                "To": CLINIC,
                "Body": BODIES[n % len(BODIES)],
                "NumMedia": "0",
            }
            out.write(f"{validator.compute_signature(url, params)}\t{urlencode(params)}\n")


def serve(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/twilio/sms", timeout=1)
        except urllib.error.HTTPError as exc:
            exc.close()
            return process  # 405 for GET: it is listening
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{' '.join(command)} did not start")


def pinning(pin: bool) -> tuple[list[str], list[str]]:
    """Command prefixes that put the server on the first core and wrk on the others.

    Both servers get the same: one core of their own, as on a machine apart from the load
    generator. Unpinned, the figures depend on where the scheduler puts each thread; ours,
    with a second thread handing the GIL back and forth with the event loop, loses most
    when the two land on different cores (docs/benchmarks.md has both runs).
    """
    cores = sorted(os.sched_getaffinity(0))
    if not pin or len(cores) < 2 or shutil.which("taskset") is None:
        return [], []
    rest = ",".join(str(core) for core in cores[1:])
    return ["taskset", "-c", str(cores[0])], ["taskset", "-c", rest]


def load(
    port: int,
    requests: Path,
    seconds: int,
    connections: int,
    prefix: list[str],
    rate: float = 0,
) -> dict[str, float]:
    """Run wrk (paced to `rate` requests/s in all, or flat out at 0); requests/s, p50 and
    p99 in ms, and how many answers were not 2xx."""
    pause = round(connections / rate * 1000) if rate else 0
    threads = min(2, os.cpu_count() or 1)
    out = subprocess.run(
        [
            *prefix,
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            f"http://127.0.0.1:{port}/twilio/sms",
            "--",
            str(requests),
            str(threads),
            str(pause),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = dict(re.findall(r"^(\w+) ([\d.]+)$", out, re.MULTILINE))
    return {key: float(value) for key, value in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--rounds", type=int, default=3, help="ours and bare, alternating (0: paced only)"
    )
    parser.add_argument(
        "--requests", type=int, default=60_000, help="distinct signed requests per round"
    )
    parser.add_argument(
        "--paced-rate", type=float, default=200, help="requests/s for the latency phase"
    )
    parser.add_argument(
        "--no-pin",
        dest="pin",
        action="store_false",
        help="let the scheduler place server and wrk (default: server on core 0, wrk on the rest)",
    )
    args = parser.parse_args()
    header("inbound SMS webhook: uvicorn, wrk")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk (make bench does this as root)")
    server_cores, wrk_cores = pinning(args.pin)
    placement = (
        f"server on core {server_cores[-1]}, wrk on {wrk_cores[-1]}"
        if server_cores
        else "server and wrk unpinned"
    )
    print(
        f"  {args.connections} connections, {args.seconds} s each, {args.rounds} rounds; "
        f"SQLite; {PATIENTS} patients; {placement}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-webhook-") as tmp:
        directory = Path(tmp)
        engine = make_engine(f"sqlite:///{directory / 'web.db'}")
        upgrade(engine)
        seed_due_sms(engine, benchmark_protocol(), PATIENTS, datetime.now(UTC))
        engine.dispose()
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
        env.update(
            FOLLOWUP_DATABASE_URL=f"sqlite:///{directory / 'web.db'}",
            FOLLOWUP_PROTOCOL_FILE=str(ROOT / "config" / "protocol.toml"),
            FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
            FOLLOWUP_TWILIO_AUTH_TOKEN=TOKEN,
            FOLLOWUP_PUBLIC_URL=PUBLIC,
            FOLLOWUP_SECRET_KEY="bench-secret-key-0c5d2f7e9a41",
            FOLLOWUP_LOG_LEVEL="WARNING",
        )
        commands = {
            "bare": [sys.executable, "-m", "uvicorn", "benchmarks.bench_webhook:bare_app"],
            "ours": [sys.executable, "-m", "followup", "web"],
        }
        runs: dict[str, list[dict[str, float]]] = {"ours": [], "bare": []}
        for round_ in range(1, args.rounds + 1):
            requests = directory / f"requests-{round_}.tsv"  # new MessageSids: no retries
            write_requests(requests, args.requests, f"r{round_}")
            for name in ("ours", "bare"):
                runs[name].append(
                    measure(name, server_cores + commands[name], env, requests, args, wrk_cores)
                )
            ours, bare = runs["ours"][-1], runs["bare"][-1]
            print(
                f"  round {round_}: ours {ours['rps']:,.1f}, bare {bare['rps']:,.1f} req/s, "
                f"ratio {ours['rps'] / bare['rps']:.2f}x"
            )
        paced = {}
        requests = directory / "requests-paced.tsv"
        write_requests(requests, args.requests, "paced")
        for name in ("ours", "bare"):
            paced[name] = measure(
                name, server_cores + commands[name], env, requests, args, wrk_cores, args.paced_rate
            )
        stored = _count(directory / "web.db")
    print(f"  inbound messages stored by ours: {stored:,}")
    if args.rounds:
        _report_rounds(runs, args)
    print(f"  paced: {args.connections} connections offering {args.paced_rate:g} requests/s")
    for name, result in paced.items():
        print(
            f"  {name}: {result['rps']:,.1f} req/s answered, p50 {result['p50_ms']:.1f} ms, "
            f"p99 {result['p99_ms']:.1f} ms, {int(result['bad'])} not 2xx"
        )
    p99 = paced["ours"]["p99_ms"]
    print(
        f"  ours p99 at {args.paced_rate:g} req/s: {p99:.1f} ms (target < 50 ms) "
        f"{'OK' if p99 < 50 else 'MISSED'}"
    )


def _report_rounds(runs: dict[str, list[dict[str, float]]], args: argparse.Namespace) -> None:
    """Each side's figures, the median of the rounds, and the ratio against its target."""
    for name, label in (("ours", "ours (followup web)"), ("bare", "baseline: bare Starlette form")):
        results = runs[name]
        figure(f"{label} requests/s, median", _median(results, "rps"), "req/s")
        figure(f"{label} p50 latency, median", _median(results, "p50_ms"), "ms")
        figure(f"{label} p99 latency, median", _median(results, "p99_ms"), "ms")
        total = sum(int(result["requests"]) for result in results)
        print(f"  {label}: {total:,} requests, {sum(int(r['bad']) for r in results)} not 2xx")
    if any(r["bad"] or r["requests"] > args.requests for r in runs["ours"]):
        print("  WARNING: errors, or more requests than distinct MessageSids (raise --requests)")
    rounds = [o["rps"] / b["rps"] for o, b in zip(runs["ours"], runs["bare"], strict=True)]
    ratio(
        "ours / bare Starlette requests/s (median of rounds)", statistics.median(rounds), 1.0, 0.35
    )


def measure(
    name: str,
    command: list[str],
    env: dict[str, str],
    requests: Path,
    args: argparse.Namespace,
    wrk_prefix: list[str],
    rate: float = 0,
) -> dict[str, float]:
    """Start one server, load it with wrk (paced to `rate`, or flat out), stop it."""
    port = free_port()
    flags = ["--host", "127.0.0.1", "--port", str(port)]
    extra = ["--log-level", "warning"] if name == "bare" else []
    server = serve([*command, *flags, *extra], env, port)
    try:
        return load(port, requests, args.seconds, args.connections, wrk_prefix, rate)
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:  # requests stuck inside the app
            server.kill()
            server.wait()


def _median(results: list[dict[str, float]], key: str) -> float:
    return statistics.median(result[key] for result in results)


def _count(database: Path) -> int:
    import sqlite3

    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT count(*) FROM inbound_message").fetchone()[0])


if __name__ == "__main__":
    main()
