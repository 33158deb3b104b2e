"""The webhook benchmark's pure parts (tests/bench/webhooks.py, webhook_load.py): figures,
signatures, the choice of payload, the pass/fail check and the senders' HTTP client."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from assessments.dora import webhooks as wh
from tests.bench import webhook_load
from tests.bench import webhooks as bench


def test_summarize_gives_rate_nearest_rank_percentiles_and_the_ratio_to_the_target():
    times = [n / 1000 for n in range(1, 101)]  # 1 .. 100 ms
    figures = webhook_load.summarize(times, seconds=4.0, non_202=2, target_ms=50)
    assert figures == {
        "accepted": 100,
        "non_202": 2,
        "seconds": 4.0,
        "per_second": 25.0,
        "p50_ms": 51.0,  # nearest rank: round(0.50 * 99) = 50th index
        "p95_ms": 95.0,
        "p99_ms": 99.0,
        "max_ms": 100.0,
        "p95_x_target": 1.9,
    }


def test_summarize_without_acknowledgements_has_no_percentiles():
    figures = webhook_load.summarize([], seconds=0)
    assert figures == {"accepted": 0, "non_202": 0, "seconds": 0, "per_second": 0.0}


def test_signed_headers_pass_the_receivers_github_check():
    body = b'{"action": "created"}'
    headers = webhook_load.signed_headers("s3cret", body, "deployment_status", "d-1")
    lower = {name.lower(): value for name, value in headers.items()}
    assert wh.verify_github(lower, body, ["s3cret"])
    assert not wh.verify_github(lower, body + b" ", ["s3cret"])
    assert wh.delivery_identity(wh.GITHUB, lower, None, body) == ("d-1", "deployment_status")


def test_choose_payload_prefers_githubs_deployment_status_and_skips_unusable_files(tmp_path):
    (tmp_path / "a_deployment_status.json").write_text('{"deployment_status": {"id": 2}}')
    (tmp_path / "github_0_deployment_status.json").write_text("{not json")  # sorted first
    (tmp_path / "github_1_deployment_status.json").write_text('[{"deployment_status": {}}]')
    (tmp_path / "github_deployment_status.json").write_bytes(b'{"deployment_status": {"id": 1}}')
    (tmp_path / "github_push.json").write_text('{"deployment_status": {"id": 3}}')
    body, source, note = bench.choose_payload(tmp_path)
    assert (body, source, note) == (
        b'{"deployment_status": {"id": 1}}',
        "github_deployment_status.json",
        "",
    )


def test_choose_payload_falls_back_to_the_built_in_one_and_says_so(tmp_path):
    (tmp_path / "github_deployment_status.json").write_text('{"deployment": {}}')
    body, source, note = bench.choose_payload(tmp_path)
    assert source == "built-in"
    assert "github_deployment_status.json" in note and "built-in" in note
    payload = json.loads(body)
    kind, rows = wh.map_github("deployment_status", payload, {})
    assert kind == "deployments" and rows[0]["service"] == "bench/bench"


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({}, []),
        ({"non_202": 1, "problems": {"HTTP 500": 1}}, ["1 deliveries not answered 202"]),
        ({"stored": 9}, ["9 deliveries stored, 10 acknowledged"]),
        ({"queued": 0}, ["0 deliveries queued, 10 acknowledged"]),
    ],
)
def test_check_fails_on_any_non_202_or_a_count_that_differs(changes, problems):
    figures = {"non_202": 0, "problems": {}, "stored": 10, "queued": 10, "acknowledged": 10}
    found = bench.check(figures | changes)
    assert len(found) == len(problems)
    for text, start in zip(found, problems, strict=True):
        assert text.startswith(start)


def test_the_senders_client_reads_answers_and_reconnects_when_the_server_closes():
    answers = [
        b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok",  # kept alive
        b"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    ]
    seen = {"connections": 0, "bodies": []}

    async def serve(reader, writer):
        seen["connections"] += 1
        while answers:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            seen["bodies"].append(await reader.readexactly(length))
            answer = answers.pop(0)
            writer.write(answer)
            await writer.drain()
            if b"close" in answer:
                break
        writer.close()

    async def scenario():
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        connection = webhook_load.Connection(f"http://127.0.0.1:{port}")
        statuses = [
            await connection.post("/hooks/x/", {"X-GitHub-Event": "ping"}, b"{}") for _ in range(4)
        ]
        connection.close()
        server.close()
        await server.wait_closed()
        return statuses

    # A loop of its own in a thread of its own: a browser test earlier in this process leaves
    # Playwright's event loop running in the main thread, where asyncio.run would refuse.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, scenario()).result() == [202, 202, 401, 202]
    assert seen == {"connections": 2, "bodies": [b"{}"] * 4}
