"""POST /v1/analyze over HTTP on loopback: p50/p99 latency and requests per second at 1, 8 and
32 concurrent clients, against the in-process rate of ``Analyzer.analyze`` on the same replies
in the same run; then the point where the server sheds load (503 + Retry-After) rather than
letting requests queue until they time out.

A uvicorn server (one worker, the open API on 127.0.0.1, a new SQLite store) is started as a
subprocess; clients are asyncio tasks on one httpx connection pool, each sending the sample
replies in turn for a fixed time. The shedding run starts a second server with a low
``AMENDS_MAX_CONCURRENT`` and raises the number of clients past it.

    .venv/bin/python benchmarks/bench_serve.py [--seconds 5] [--limit 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from importlib import resources
from pathlib import Path

import httpx


def sample_replies() -> list[dict[str, str]]:
    path = Path(str(resources.files("amends") / "data" / "sample" / "replies.jsonl"))
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [
        {"text": r["text"], **({"customer": r["customer"]} if r.get("customer") else {})}
        for r in rows
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(folder: Path, limit: int | None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "AMENDS_DATABASE_URL": f"sqlite:///{folder / f'b{port}.db'}"}
    if limit is not None:
        env["AMENDS_MAX_CONCURRENT"] = str(limit)
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "amends.server.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                # the first analysis loads the rules: not part of any measurement
                httpx.post(f"{url}/v1/analyze", json={"text": "Sorry."}, timeout=120)
                return server, url
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start within 120 s")


async def load(url: str, clients: int, seconds: float, bodies: list[dict[str, str]]):
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        stop = time.perf_counter() + seconds

        async def one(offset: int) -> None:
            i = offset
            while time.perf_counter() < stop:
                started = time.perf_counter()
                response = await client.post("/v1/analyze", json=bodies[i % len(bodies)])
                statuses[response.status_code] += 1
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - started)
                i += 1

        began = time.perf_counter()
        await asyncio.gather(*(one(k) for k in range(clients)))
        elapsed = time.perf_counter() - began
    return latencies, statuses, elapsed


def in_process_rate(bodies: list[dict[str, str]], seconds: float) -> float:
    from amends.analyzer import get_analyzer

    analyzer = get_analyzer()
    analyzer.analyze("Sorry.")
    done, stop, i = 0, time.perf_counter() + seconds, 0
    began = time.perf_counter()
    while time.perf_counter() < stop:
        body = bodies[i % len(bodies)]
        analyzer.analyze(body["text"], body.get("customer"))
        done += 1
        i += 1
    return done / (time.perf_counter() - began)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--limit", type=int, default=8, help="concurrency limit when shedding")
    args = parser.parse_args()
    bodies = sample_replies()
    rate = in_process_rate(bodies, args.seconds)
    print(f"in-process Analyzer.analyze: {rate:,.0f} replies/s ({len(bodies)} sample replies)")
    print()
    print("| clients | requests/s | p50 ms | p99 ms | vs in-process |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as folder:
        server, url = start_server(Path(folder), None)
        try:
            for clients in (1, 8, 32):
                lat, statuses, elapsed = asyncio.run(load(url, clients, args.seconds, bodies))
                rps = statuses[200] / elapsed
                print(
                    f"| {clients} | {rps:,.0f} | {percentile(lat, 50) * 1000:.1f} | "
                    f"{percentile(lat, 99) * 1000:.1f} | {rps / rate:.2f}x |"
                )
        finally:
            server.terminate()
            server.wait()
        print()
        print(f"shedding with AMENDS_MAX_CONCURRENT={args.limit}:")
        print("| clients | ok/s | 503 share | p99 ms of the ok |")
        print("|---:|---:|---:|---:|")
        server, url = start_server(Path(folder), args.limit)
        try:
            for clients in (args.limit // 2 or 1, args.limit, args.limit * 2, args.limit * 8):
                lat, statuses, elapsed = asyncio.run(load(url, clients, args.seconds, bodies))
                total = sum(statuses.values())
                shed = statuses[503] / total if total else 0.0
                p99 = f"{percentile(lat, 99) * 1000:.1f}" if lat else "-"
                print(f"| {clients} | {statuses[200] / elapsed:,.0f} | {shed:.0%} | {p99} |")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
