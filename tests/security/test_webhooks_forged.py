"""Forged webhook calls, many and random: wrong or missing channel token / clientState,
unknown channels and subscriptions, replayed message numbers, oversize bodies (with a true,
lying or absent Content-Length), wrong methods. Every one is refused, enqueues nothing, and is
logged without its headers' secrets or its body."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import pytest
import redis as redis_lib
import structlog
from rq import Queue

from syncer.store_push import PushStore
from syncer.web.webhooks import MAX_BODY_BYTES
from tests.security.asgi import Answer, call

CHANNEL, G_TOKEN, RESOURCE = "chan-1", "gtok-5b0e2c9d", "res-1"
SUB, CLIENT_STATE = "sub-1", "cstate-71d3a8e0"
BODY_CANARY = "BODY-CANARY-webhook"
TRIALS = 400


def _queued(redis: redis_lib.Redis, org: str) -> list[str]:
    return [
        j
        for name in ("push", "default", "sweep")
        for j in Queue(name, connection=redis).job_ids
        if org in j
    ]


def _seed(redis: redis_lib.Redis, org: str) -> PushStore:
    push = PushStore(redis, org)
    push.put_channel(
        "ana@acme.test",
        CHANNEL,
        {
            "provider": "google",
            "calendar": "ana@acme.test",
            "id": CHANNEL,
            "resource_id": RESOURCE,
            "token": G_TOKEN,
        },
    )
    push.put_channel(
        "bo@acme.test",
        SUB,
        {
            "provider": "microsoft",
            "calendar": "bo@acme.test",
            "id": SUB,
            "resource_id": "/users/bo@acme.test/events",
            "token": CLIENT_STATE,
        },
    )
    return push  # fmt: skip


def _google_forgery(rng: random.Random, last: int) -> tuple[str, str, dict[str, str], list[bytes]]:
    headers = {
        "X-Goog-Channel-ID": CHANNEL,
        "X-Goog-Channel-Token": G_TOKEN,
        "X-Goog-Resource-ID": RESOURCE,
        "X-Goog-Resource-State": rng.choice(["exists", "not_exists", "sync"]),
        "X-Goog-Message-Number": str(last + rng.randint(1, 5)),
    }
    chunks: list[bytes] = []
    flaw = rng.choice(
        [
            "token",
            "no_token",
            "unknown",
            "no_channel",
            "replay",
            "resource",
            "number",
            "oversize",
            "lying_length",
            "chunked",
            "method",
            "graph_state",
        ]
    )
    if flaw == "token":
        headers["X-Goog-Channel-Token"] = rng.choice(
            [G_TOKEN[:-1], G_TOKEN + "x", G_TOKEN.upper(), ""]
        )
    elif flaw == "no_token":
        del headers["X-Goog-Channel-Token"]
    elif flaw == "unknown":
        headers["X-Goog-Channel-ID"] = rng.choice(["chan-2", SUB, CHANNEL + " ", "*"])
        headers["X-Goog-Resource-State"] = "exists"
    elif flaw == "no_channel":
        del headers["X-Goog-Channel-ID"]
    elif flaw == "replay":
        headers["X-Goog-Message-Number"] = str(rng.randint(0, last))
    elif flaw == "resource":
        headers["X-Goog-Resource-ID"] = "res-2"
    elif flaw == "number":
        headers["X-Goog-Message-Number"] = rng.choice(["", "-1", "1e9", "abc", "٣"])
    elif flaw == "oversize":
        chunks = [BODY_CANARY.encode() * (MAX_BODY_BYTES // len(BODY_CANARY) + 2)]
        headers["Content-Length"] = str(len(chunks[0]))
    elif flaw == "lying_length":
        chunks = [BODY_CANARY.encode() * (MAX_BODY_BYTES // len(BODY_CANARY) + 2)]
        headers["Content-Length"] = "10"
    elif flaw == "chunked":
        chunks = [BODY_CANARY.encode() * 4096] * (MAX_BODY_BYTES // (len(BODY_CANARY) * 4096) + 2)
    elif flaw == "graph_state":  # a Graph clientState is no Google token
        headers["X-Goog-Channel-Token"] = CLIENT_STATE
    method = rng.choice(["GET", "PUT", "DELETE", "PATCH"]) if flaw == "method" else "POST"
    return flaw, method, headers, chunks


def _graph_forgery(rng: random.Random) -> tuple[str, str, str, dict[str, str], list[bytes]]:
    item: dict[str, Any] = {"subscriptionId": SUB, "clientState": CLIENT_STATE,
                            "changeType": "updated", "resource": "users/bo/events/x",
                            "resourceData": {"id": "x", "subject": BODY_CANARY}}  # fmt: skip
    flaw = rng.choice(
        [
            "state",
            "no_state",
            "unknown",
            "google_token",
            "not_json",
            "no_value",
            "oversize",
            "lying_length",
            "method",
            "nulls",
            "lifecycle",
        ]
    )
    path = "/webhooks/graph"
    raw: bytes | None = None
    if flaw == "state":
        item["clientState"] = rng.choice([CLIENT_STATE[:-1], CLIENT_STATE + " ", None, 7, ""])
    elif flaw == "no_state":
        del item["clientState"]
    elif flaw == "unknown":
        item["subscriptionId"] = rng.choice(["sub-2", CHANNEL, "", None])
    elif flaw == "google_token":
        item["clientState"] = G_TOKEN
    elif flaw == "not_json":
        raw = b"<xml>" + BODY_CANARY.encode()
    elif flaw == "no_value":
        raw = json.dumps(rng.choice([{}, {"value": {}}, [], {"value": "x"}, None])).encode()
    elif flaw == "oversize" or flaw == "lying_length":
        raw = json.dumps({"value": [item], "pad": BODY_CANARY * 80_000}).encode()
    elif flaw == "nulls":
        raw = json.dumps({"value": [None, 3, "x", []]}).encode()
    elif flaw == "lifecycle":
        item.update(clientState="wrong", lifecycleEvent="subscriptionRemoved")
    if raw is None:
        raw = json.dumps({"value": [item] * rng.randint(1, 3)}).encode()
    headers = {"Content-Type": "application/json", "Content-Length": str(len(raw))}
    if flaw == "lying_length":
        headers["Content-Length"] = "12"
    method = rng.choice(["GET", "PUT", "DELETE"]) if flaw == "method" else "POST"
    return flaw, method, path, headers, [raw]


def test_hundreds_of_forged_webhook_calls_are_all_refused_and_logged_without_secrets(
    make_app: Callable[..., Any], redis_client: redis_lib.Redis, org: str
) -> None:
    app = make_app()
    push = _seed(redis_client, org)
    rng = random.Random(8)
    genuine = {"X-Goog-Channel-ID": CHANNEL, "X-Goog-Channel-Token": G_TOKEN,
               "X-Goog-Resource-ID": RESOURCE, "X-Goog-Resource-State": "exists",
               "X-Goog-Message-Number": "100"}  # fmt: skip
    assert call(app, "POST", "/webhooks/google", genuine).status == 200
    last, refused, flaws = 100, 0, set()
    before = sorted(_queued(redis_client, org))
    with structlog.testing.capture_logs() as logs:
        for n in range(TRIALS):
            if n % 2:
                flaw, method, headers, chunks = _google_forgery(rng, last)
                answer: Answer = call(app, method, "/webhooks/google", headers, chunks)
                flaws.add(f"google {flaw}")
            else:
                flaw, method, path, headers, chunks = _graph_forgery(rng)
                answer = call(app, method, path, headers, chunks)
                flaws.add(f"graph {flaw}")
            assert answer.status >= 400, (flaw, answer)
            refused += answer.status >= 400
    assert refused == TRIALS
    assert sorted(_queued(redis_client, org)) == before  # nothing enqueued by any of them
    assert len(flaws) == 23  # every kind of forgery was tried
    counters = push.counters()
    assert (
        counters.get("webhooks|google|accepted") == 1
        and "webhooks|microsoft|accepted" not in counters
    )
    rendered = json.dumps(logs, default=str)
    for secret in (G_TOKEN, CLIENT_STATE, BODY_CANARY, "gtok", "cstate"):
        assert secret not in rendered
    rejected = [e for e in logs if e["event"] == "webhook.rejected"]
    assert rejected and all(
        set(e) <= {"event", "log_level", "provider", "status", "reason"} for e in rejected
    )


def test_a_replayed_google_message_number_is_refused_but_the_next_is_taken(
    make_app: Callable[..., Any], redis_client: redis_lib.Redis, org: str
) -> None:
    app = make_app()
    _seed(redis_client, org)
    headers = {"X-Goog-Channel-ID": CHANNEL, "X-Goog-Channel-Token": G_TOKEN,
               "X-Goog-Resource-ID": RESOURCE, "X-Goog-Resource-State": "exists"}  # fmt: skip
    numbers = [5, 5, 4, 6, 6, 1, 7]
    statuses = [
        call(app, "POST", "/webhooks/google", {**headers, "X-Goog-Message-Number": str(n)}).status
        for n in numbers
    ]
    assert statuses == [200, 403, 403, 200, 403, 403, 200]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "HEAD"])
@pytest.mark.parametrize("path", ["/webhooks/google", "/webhooks/graph"])
def test_webhooks_answer_only_post(make_app: Callable[..., Any], method: str, path: str) -> None:
    assert call(make_app(), method, path).status == 405


@pytest.mark.parametrize("state", [7, None, ["cstate"], {"a": 1}, True])
def test_a_non_text_client_state_is_refused_not_a_server_error(
    make_app: Callable[..., Any], redis_client: redis_lib.Redis, org: str, state: Any
) -> None:
    """Regression: a clientState of another JSON type raised AttributeError (a 500)."""
    app = make_app()
    _seed(redis_client, org)
    body = json.dumps({"value": [{"subscriptionId": SUB, "clientState": state}]}).encode()
    assert call(app, "POST", "/webhooks/graph", {}, [body]).status == 403
