"""Who may see the dashboard and /metrics: anyone on a loopback bind, else only a request
carrying the admin token; with no token configured, nobody. Health checks stay open and say
nothing about the org."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.security.asgi import call
from tests.security.conftest import ADMIN_TOKEN

PRIVATE = ["/metrics", "/dashboard"]


@pytest.mark.parametrize("path", PRIVATE)
@pytest.mark.parametrize(
    "auth",
    [None, "Bearer wrong", f"Bearer {ADMIN_TOKEN}x", f"Basic {ADMIN_TOKEN}", ADMIN_TOKEN,
     f"Bearer {ADMIN_TOKEN[:-1]}", "Bearer "],
)  # fmt: skip
def test_on_a_public_bind_private_pages_need_the_admin_token(
    make_app: Callable[..., Any], path: str, auth: str | None
) -> None:
    headers = {"Authorization": auth} if auth is not None else {}
    answer = call(make_app("0.0.0.0:8080"), "GET", path, headers)
    assert answer.status == 401
    assert ADMIN_TOKEN not in answer.text and "syncer_" not in answer.text


@pytest.mark.parametrize("path", PRIVATE)
def test_the_admin_token_as_a_bearer_token_opens_them(
    make_app: Callable[..., Any], path: str
) -> None:
    answer = call(make_app("0.0.0.0:8080"), "GET", path, {"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert answer.status == 200


def test_metrics_take_the_bearer_token_prometheus_sends(make_app: Callable[..., Any]) -> None:
    answer = call(
        make_app("[::]:9100"), "GET", "/metrics", {"authorization": f"bearer {ADMIN_TOKEN}"}
    )
    assert answer.status == 200 and "syncer_queue_jobs" in answer.text


@pytest.mark.parametrize("path", PRIVATE)
def test_with_no_admin_token_a_public_bind_shows_them_to_nobody(
    make_app: Callable[..., Any], path: str
) -> None:
    assert call(make_app("0.0.0.0:8080", token=None), "GET", path).status == 403


@pytest.mark.parametrize("bind", ["127.0.0.1:8080", "localhost:8080", "[::1]:8080"])
def test_on_a_loopback_bind_metrics_are_open(make_app: Callable[..., Any], bind: str) -> None:
    assert call(make_app(bind, token=None), "GET", "/metrics").status == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_checks_are_open_and_say_nothing_about_the_org(
    make_app: Callable[..., Any], path: str, org: str
) -> None:
    answer = call(make_app("0.0.0.0:8080"), "GET", path)
    assert answer.status == 200 and org not in answer.text and len(answer.body) < 20
