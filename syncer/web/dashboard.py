"""The admin dashboard: `GET /dashboard`, one server-rendered page, no JavaScript.

It shows what `syncer report` shows (the same JSON, built from the store alone: no provider
calls): the overdue and missing pairs, a histogram of days since each pair last met, the
cancellations and declines per week over the last quarter, and a table per team.

Who may see it: people's names are not for everyone on the network. An app bound to the
loopback interface only (127.0.0.1, ::1, localhost) serves the page to whoever can reach it
there, i.e. the machine's own users. Bound anywhere else, every request needs the admin token
(`web.admin_token`): `Authorization: Bearer <token>`, or a one-time `/dashboard?token=<token>`
that sets an HttpOnly, SameSite=Strict cookie (an HMAC of the token, never the token itself)
and redirects to the bare URL so the token leaves the address bar. With no token configured
such an app answers 403: there is no login-free exposure to turn on by accident.

Every name, title and team comes from config, the directory or calendars, i.e. untrusted
input: Jinja2 autoescapes all of it, and the page's Content-Security-Policy forbids scripts.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from redis import Redis
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from syncer.config import SyncerConfig
from syncer.engine import Engine
from syncer.report import cancellation_dates
from syncer.store import Store
from syncer.web import charts

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
COOKIE = "syncer_dashboard"
PATH = "/dashboard"
NO_TEAM = "(no team)"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
_TEMPLATES = Path(__file__).parent / "templates"


def bind_host(bind: str) -> str:
    """The host of a `host:port` bind (`[::1]:8080` too)."""
    host = bind.rpartition(":")[0] if ":" in bind else bind
    return host.strip("[]").lower()


def loopback_only(bind: str) -> bool:
    return bind_host(bind) in LOOPBACK


@dataclass(frozen=True)
class Access:
    """The dashboard's gate: loopback binds are open, others need the admin token."""

    loopback: bool
    token: str | None

    def session(self) -> str:
        assert self.token is not None
        return hmac.new(
            self.token.encode(), b"syncer dashboard session", hashlib.sha256
        ).hexdigest()

    def token_ok(self, given: str | None) -> bool:
        return bool(
            self.token and given and hmac.compare_digest(given.encode(), self.token.encode())
        )

    def allows(self, request: Request) -> bool:
        if self.loopback:
            return True
        if not self.token:
            return False
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self.token_ok(given.strip()):
            return True
        cookie = request.cookies.get(COOKIE)
        return cookie is not None and hmac.compare_digest(cookie.encode(), self.session().encode())


class Dashboard:
    """The page for one org: the config, the org's Redis and a clock (simulations pass theirs)."""

    def __init__(
        self,
        config: SyncerConfig,
        redis: Redis,
        *,
        bind: str,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.config = config
        self.redis = redis
        self.clock = clock or (lambda: datetime.now(UTC))
        token = config.web.admin_token
        self.access = Access(loopback_only(bind), token.get_secret_value() if token else None)
        self.secure_cookie = str(config.web.public_url or "").startswith("https")
        self.env = Environment(
            loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(default=True)
        )

    def report(self) -> dict[str, Any]:
        """The report's JSON, exactly as `syncer report --format json` would print it now."""
        store = Store(self.redis, self.config.org)
        return Engine(self.config, store, {}, dry_run=True, clock=self.clock).report()

    def page(self, request: Request) -> Response:
        given = request.query_params.get("token")
        if given is not None:
            return self._login(request, given)
        if not self.access.allows(request):
            return self._refused()
        return HTMLResponse(self.render(self.report()), headers=HEADERS)

    def _refused(self) -> Response:
        if not self.access.token:
            return PlainTextResponse(
                "dashboard disabled: the app is not bound to localhost and web.admin_token "
                "is not set\n",
                status_code=403,
            )
        return PlainTextResponse(
            "admin token required: Authorization: Bearer <token>, or /dashboard?token=<token>\n",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="syncer dashboard"'},
        )

    def _login(self, request: Request, given: str) -> Response:
        if not self.access.token_ok(given):
            return self._refused() if not self.access.loopback else RedirectResponse(PATH, 303)
        response = RedirectResponse(PATH, status_code=303, headers={"Cache-Control": "no-store"})
        response.set_cookie(
            COOKIE,
            self.access.session(),
            path=PATH,
            httponly=True,
            samesite="strict",
            secure=self.secure_cookie or request.url.scheme == "https",
        )
        return response

    def render(self, data: Mapping[str, Any]) -> str:
        now = datetime.fromisoformat(str(data["generated_at"]).replace("Z", "+00:00"))
        pairs = list(data["pairs"])
        limit = self.config.policy().max_gap_days
        days = [int(p["days_since_met"]) for p in pairs if p["days_since_met"] is not None]
        teams: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for pair in pairs:
            teams[pair["team"] or NO_TEAM].append(pair)
        return self.env.get_template("dashboard.html").render(
            org=self.config.org,
            data=data,
            totals=data["totals"],
            attention=[p for p in pairs if p["status"] in ("overdue", "missing")],
            teams=sorted(teams.items(), key=lambda t: (t[0] == NO_TEAM, t[0].lower())),
            managers=data["managers"],
            never_met=sum(1 for p in pairs if p["days_since_met"] is None),
            histogram=Markup(charts.days_since_histogram(days, limit)),  # numbers only
            weekly=Markup(charts.cancellations_per_week(cancellation_dates(data), now)),
            limit=limit,
            who=_who,
            day=_day,
        )


def _who(pair: Mapping[str, Any], i: int) -> str:
    name = (pair.get("names") or [None, None])[i]
    email = pair["people"][i]
    return f"{name} <{email}>" if name else str(email)


def _day(iso: str | None) -> str:
    return iso[:10] if iso else "never"
