"""The web process: push notification receivers, health and readiness, Prometheus metrics.

Starlette (a small, well-kept ASGI toolkit) served by uvicorn. Handlers do no provider I/O:
they check a notification and enqueue a job, so they answer within Graph's 10 s and Google's
few seconds however slow the providers are.

    POST /webhooks/google   Google Calendar watch channels
    POST /webhooks/graph    Microsoft Graph subscriptions (validation, changes, lifecycle)
    GET  /healthz           the process is up
    GET  /readyz            Redis answers
    GET  /metrics           Prometheus text format (the dashboard's gate: loopback or token)
    GET  /dashboard         the admin's dashboard (syncer.web.dashboard: who may see it)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import redis
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from syncer.config import load_config
from syncer.redis_server import connect
from syncer.store_clock import service_clock
from syncer.web.dashboard import Dashboard
from syncer.web.metrics import ServiceCollector
from syncer.web.webhooks import Receiver, google, graph


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def readyz(request: Request) -> Response:
    receiver: Receiver = request.app.state.receiver
    try:
        receiver.redis.ping()
    except redis.RedisError:
        return PlainTextResponse("redis unreachable", status_code=503)
    return PlainTextResponse("ready")


async def metrics(request: Request) -> Response:
    """Behind the dashboard's gate (open on a loopback bind, else the admin token as a bearer
    token, which Prometheus sends with `authorization: {credentials: ...}`): the figures name
    the org's pairs' statuses and its traffic."""
    dashboard: Dashboard = request.app.state.dashboard
    if not dashboard.access.allows(request):
        return PlainTextResponse(
            "admin token required: Authorization: Bearer <token>\n"
            if dashboard.access.token
            else "metrics disabled: not bound to localhost and web.admin_token is not set\n",
            status_code=401 if dashboard.access.token else 403,
        )
    registry: CollectorRegistry = request.app.state.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def create_app(
    config_path: str | Path,
    *,
    bind: str | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Starlette:
    """The app for one org's config. Redis is found as everywhere (REDIS_URL, config, embedded).

    `bind` is where the app is served (default: web.bind): the dashboard is open only on a
    loopback bind. `clock` is the dashboard's "now" (default: the service's clock, i.e. the
    wall clock unless a simulation runs the service, see syncer.store_clock)."""
    path = str(Path(config_path).resolve())
    config = load_config(path)
    client = connect(config.redis_url)
    receiver = Receiver(path, client, config.org)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServiceCollector(client, config.org))
    clock = clock or service_clock(client, config.org)
    dashboard = Dashboard(config, client, bind=bind or config.web.bind, clock=clock)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        client.close()

    app = Starlette(
        routes=[
            Route("/webhooks/google", google, methods=["POST"]),
            Route("/webhooks/graph", graph, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/dashboard", dashboard.page, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.receiver = receiver
    app.state.registry = registry
    app.state.dashboard = dashboard
    return app
