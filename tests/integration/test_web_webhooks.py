"""The web app against forged, unknown, replayed and malformed calls, over real HTTP."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncer.sandbox.tls import TlsFiles
from tests.integration.google_org import ANA
from tests.integration.service_world import ServiceWorld, service_world
from workers import jobs


@pytest.fixture
def world(tmp_path: Path, tls: TlsFiles, redis_url: str, org: str) -> Iterator[ServiceWorld]:
    with service_world(tmp_path, tls, redis_url, org) as world:
        yield world


def google_headers(world: ServiceWorld, number: int, **override: str) -> dict[str, str]:
    channel_id = world.push.current_channel(ANA)
    assert channel_id is not None
    record = world.push.get_channel(channel_id)
    assert record is not None
    headers = {
        "X-Goog-Channel-ID": channel_id,
        "X-Goog-Channel-Token": record["token"],
        "X-Goog-Resource-ID": record["resource_id"],
        "X-Goog-Resource-State": "exists",
        "X-Goog-Message-Number": str(number),
    }
    headers.update(override)
    return headers


def post_declaring(world: ServiceWorld, path: str, headers: dict[str, str], length: int) -> int:
    """POST that declares a `length`-byte body and sends none: the app must answer from the
    header. (Sending the body too races the server, which answers 413 and closes while the
    body is still arriving: the client then sees a reset instead of the answer.)"""
    url = urllib.parse.urlsplit(world.web_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        connection.putrequest("POST", path)
        for name, value in {**headers, "Content-Length": str(length)}.items():
            connection.putheader(name, value)
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


def get(world: ServiceWorld, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(world.web_url + path, timeout=10) as answer:
            return int(answer.status), answer.read().decode()
    except urllib.error.HTTPError as err:
        return int(err.code), ""


def test_forged_unknown_and_replayed_google_calls_are_rejected_and_enqueue_nothing(
    world: ServiceWorld,
) -> None:
    jobs.renew(str(world.config_path))
    assert world.post("/webhooks/google", google_headers(world, 50)) == 200
    world.queue("push").empty()
    assert world.post("/webhooks/google", google_headers(world, 50)) == 403  # replayed
    assert world.post("/webhooks/google", google_headers(world, 49)) == 403  # older
    forged = google_headers(world, 51, **{"X-Goog-Channel-Token": "guess"})
    assert world.post("/webhooks/google", forged) == 403
    other = google_headers(world, 52, **{"X-Goog-Resource-ID": "someone-else"})
    assert world.post("/webhooks/google", other) == 403
    unknown = google_headers(world, 53, **{"X-Goog-Channel-ID": "not-ours"})
    assert world.post("/webhooks/google", unknown) == 404
    assert world.post("/webhooks/google", {"X-Goog-Message-Number": "1"}) == 401
    assert post_declaring(world, "/webhooks/google", google_headers(world, 54), 1_100_000) == 413
    assert world.queued() == 0
    # the real thing still works after all that
    assert world.post("/webhooks/google", google_headers(world, 55)) == 200
    assert world.queue("push").count == 1


def test_graph_handshake_clientstate_and_lifecycle(world: ServiceWorld) -> None:
    request = urllib.request.Request(
        world.web_url + "/webhooks/graph?validationToken=abc%20123", data=b"", method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["content-type"].startswith("text/plain")
        assert answer.read() == b"abc 123"

    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()
    world.push.put_channel(
        "erin@acme.test",
        "sub-1",
        {
            "provider": "microsoft",
            "calendar": "erin@acme.test",
            "id": "sub-1",
            "resource_id": "/users/erin@acme.test/events",
            "expiration": expires,
            "token": "secret-state",
            "address": world.web_url + "/webhooks/graph",
        },
    )

    def notify(**item: str) -> int:
        body = json.dumps({"value": [{"subscriptionId": "sub-1", **item}]}).encode()
        headers = {"Content-Type": "application/json"}
        return world.post("/webhooks/graph", headers, body)

    assert notify(clientState="wrong", changeType="updated") == 403
    assert world.post("/webhooks/graph", {}, b"{}") == 400
    assert notify(subscriptionId="sub-9", clientState="secret-state") == 404
    assert world.queued() == 0
    assert notify(clientState="secret-state", changeType="updated") == 202
    assert world.queue("push").count == 1
    # `missed` wants a full pull: a queued incremental pull of the same calendar must not cover it
    assert notify(clientState="secret-state", lifecycleEvent="missed") == 202
    assert [(j.func_name, j.args[1], j.args[2]) for j in world.queue("push").jobs] == [
        ("workers.jobs.pull", "erin@acme.test", False),
        ("workers.jobs.pull", "erin@acme.test", True),
    ]
    assert notify(clientState="secret-state", lifecycleEvent="reauthorizationRequired") == 202
    assert [j.func_name for j in world.queue("push").jobs][-1] == "workers.jobs.renew"


def test_wrong_methods_health_readiness_and_metrics(world: ServiceWorld) -> None:
    assert get(world, "/webhooks/google")[0] == 405
    assert get(world, "/healthz") == (200, "ok")
    assert get(world, "/readyz") == (200, "ready")
    world.push.count("jobs|pull|ok", 3)
    world.push.count("api_calls|google", 7)
    world.push.set_pair_status({"a@acme.test|b@acme.test": "overdue"})
    status, text = get(world, "/metrics")
    assert status == 200
    assert 'syncer_jobs_total{kind="pull",outcome="ok"} 3.0' in text
    assert 'syncer_api_calls_total{provider="google"} 7.0' in text
    assert 'syncer_pairs{status="overdue"} 1.0' in text
    assert "syncer_sync_lag_seconds" in text and 'syncer_queue_jobs{queue="push"}' in text
