"""The webhook senders of ``python -m tests.bench`` and ``python -m tests.bench webhooks``.

    python -m tests.bench.webhook_load PLAN.json [--out RESULT.json]

Like ``load.py`` it does not import Django and talks to a running server over loopback. It
plays ``senders`` GitHub webhooks at once: each sender is a coroutine of one asyncio event
loop with an HTTP/1.1 connection of its own (``Connection``: keep-alive while the server
allows it; gunicorn's sync workers close the connection after every answer, so each delivery
connects again, as GitHub's do), POSTing the same raw body (the payload file, as GitHub would
send it) with ``X-GitHub-Event``, a new ``X-GitHub-Delivery`` (a UUID) and
``X-Hub-Signature-256`` (HMAC-SHA256 of the body with the webhook's secret, computed per
delivery as a sender does), back to back, without think time. One event loop rather than 20
threads and a minimal client rather than httpx, so that the client takes little of the two
cores the server needs and never waits on the GIL; its CPU share is reported.

The plan (JSON, written by ``webhooks.py``):

    {"base_url": "http://127.0.0.1:8123", "path": "/hooks/<public id>/", "secret": "...",
     "event": "deployment_status", "body_file": "/tmp/.../body.json", "senders": 20,
     "seconds": 15, "max_deliveries": 100000, "warmup": 3, "server_pids": [1234, 1235]}

``warmup`` deliveries per sender first, unrecorded (the server stores them too: they count in
``acknowledged``); then the measured phase, ``seconds`` or ``max_deliveries``, whichever
comes first. An acknowledgement is a 202; anything else, or no answer, counts in
``non_202``. Latency is measured around the whole request (connect, send, answer).
"""

import asyncio
import hashlib
import hmac
import sys
import time
import uuid
from collections import Counter
from urllib.parse import urlsplit

import psutil

from tests.bench.load import (
    REQUEST_TIMEOUT,
    LoadError,
    ServerCPU,
    check_loopback,
    percentile,
    plan_main,
)


def signed_headers(secret, body, event, delivery_id):
    """The headers GitHub sends with a delivery of ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/bench",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id,
        "X-Hub-Signature-256": f"sha256={digest}",
    }


def summarize(times, seconds, non_202=0, target_ms=50.0):
    """Figures of a measured phase: ``times`` the acknowledgement times in seconds, ``seconds``
    its duration. Percentiles are nearest-rank (``load.percentile``)."""
    out = {
        "accepted": len(times),
        "non_202": non_202,
        "seconds": round(seconds, 2),
        "per_second": round(len(times) / seconds, 1) if seconds > 0 else 0.0,
    }
    if times:
        ms = [t * 1000 for t in times]
        p95 = percentile(ms, 0.95)
        out |= {
            "p50_ms": round(percentile(ms, 0.50), 2),
            "p95_ms": round(p95, 2),
            "p99_ms": round(percentile(ms, 0.99), 2),
            "max_ms": round(max(ms), 2),
            "p95_x_target": round(p95 / target_ms, 2),
        }
    return out


class Phase:
    """The deliveries of one phase (warm-up or measured), shared by the senders."""

    def __init__(self, seconds, max_deliveries):
        self.seconds, self.max_deliveries = seconds, max_deliveries
        self.times, self.problems = [], Counter()
        self.started = self.finished = self.deadline = None

    def start(self):
        self.started = time.perf_counter()
        self.deadline = self.started + self.seconds

    def more(self):
        done = len(self.times) + sum(self.problems.values())
        return time.perf_counter() < self.deadline and done < self.max_deliveries

    @property
    def duration(self):
        return (self.finished or time.perf_counter()) - self.started


class Connection:
    """One sender's HTTP/1.1 connection over asyncio streams, kept alive while the server
    allows it (gunicorn's sync workers answer ``Connection: close``: then the next delivery
    connects again). Hand-written rather than httpx: this costs the client about a tenth of
    httpx.AsyncClient's CPU per delivery, CPU the server needs on a 2-core machine."""

    def __init__(self, base_url):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.reader = self.writer = None

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def post(self, path, headers, body):
        """The status of the answer to ``POST path``, its body read. A kept-alive connection
        the server had closed is replaced once, as HTTP clients do."""
        reused = self.writer is not None
        try:
            return await self._post(path, headers, body)
        except asyncio.IncompleteReadError as exc:
            self.close()
            if reused and not exc.partial:
                return await self._post(path, headers, body)
            raise

    async def _post(self, path, headers, body):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        if "chunked" in fields.get("transfer-encoding", "").lower():
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        elif "content-length" in fields:
            await self.reader.readexactly(int(fields["content-length"]))
        else:
            await self.reader.read()  # until the server closes
            fields["connection"] = "close"
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status


async def deliver(connection, plan, body, phase):
    headers = signed_headers(plan["secret"], body, plan["event"], str(uuid.uuid4()))
    started = time.perf_counter()
    try:
        status = await asyncio.wait_for(
            connection.post(plan["path"], headers, body), REQUEST_TIMEOUT
        )
    except (OSError, EOFError, ValueError, asyncio.LimitOverrunError) as exc:  # timeouts too
        connection.close()
        problem = type(exc).__name__
    else:
        problem = None if status == 202 else f"HTTP {status}"
    elapsed = time.perf_counter() - started
    phase.finished = time.perf_counter()
    if problem is None:
        phase.times.append(elapsed)
    else:
        phase.problems[problem] += 1


async def run_phase(plan, body, connections, phase, per_sender=None):
    """Every sender delivers back to back while the phase wants more (or ``per_sender``
    times)."""

    async def sender(connection):
        count = 0
        while phase.more() and (per_sender is None or count < per_sender):
            await deliver(connection, plan, body, phase)
            count += 1

    phase.start()
    await asyncio.gather(*(sender(connection) for connection in connections))
    return phase


async def play(plan, body):
    connections = [Connection(plan["base_url"]) for _ in range(plan["senders"])]
    server = ServerCPU(plan.get("server_pids", []))
    me = psutil.Process()
    try:
        warm = await run_phase(plan, body, connections, Phase(300, 10**9), plan["warmup"])
        if warm.problems:
            raise LoadError(f"Warm-up deliveries were refused: {dict(warm.problems)}")
        client_cpu, server_cpu = sum(me.cpu_times()[:2]), server.seconds()
        measured = await run_phase(
            plan, body, connections, Phase(plan["seconds"], plan["max_deliveries"])
        )
        client_cpu, server_cpu = sum(me.cpu_times()[:2]) - client_cpu, server.seconds() - server_cpu
    finally:
        for connection in connections:
            connection.close()
    figures = summarize(
        measured.times,
        measured.duration,
        sum(measured.problems.values()),
        plan.get("target_ms", 50.0),
    )
    answered = len(measured.times) + figures["non_202"]
    figures |= {
        "senders": plan["senders"],
        "problems": dict(measured.problems),
        "warmup_accepted": len(warm.times),
        "acknowledged": len(warm.times) + len(measured.times),
        "client_cpu_percent": round(client_cpu / measured.duration * 100, 1),
        "client": "one process: an asyncio loop, one HTTP/1.1 connection per sender",
        "body_bytes": len(body),
    }
    if server.processes and answered:
        figures["server_cpu_ms"] = round(server_cpu * 1000 / answered, 2)
    return figures


def run(plan):
    check_loopback(plan["base_url"])
    with open(plan["body_file"], "rb") as handle:
        body = handle.read()
    return asyncio.run(play(plan, body))


def main(argv=None):
    return plan_main(argv, "tests.bench.webhook_load", __doc__, run)


if __name__ == "__main__":
    sys.exit(main())
