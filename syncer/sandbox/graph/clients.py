"""How a client reaches the emulator the production way: msal for the token (HTTPS, the
sandbox CA), requests for Graph. Used by tests and the demo; syncer's provider builds its own.

``verify`` is passed on every request (not only set on the Session): requests lets
REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override a Session's ``verify`` (api-notes, checked).
"""

from __future__ import annotations

from typing import Any

import msal  # type: ignore[import-untyped]
import requests

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


class VerifyingSession(requests.Session):
    """A Session that passes ``verify=ca`` on every request."""

    def __init__(self, ca: str) -> None:
        super().__init__()
        self.ca = ca

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs["verify"] = self.ca
        return super().request(method, url, *args, **kwargs)  # type: ignore[arg-type]


def confidential_app(authority: str, client_id: str, secret: str, ca: str) -> Any:
    """msal's confidential client for ``authority`` (``{base_url}/{tenant}``), over the CA."""
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=secret,
        authority=authority,
        instance_discovery=False,
        http_client=VerifyingSession(ca),
    )


def graph_session(app: Any, ca: str) -> requests.Session:
    """A Session whose requests carry a fresh bearer token from ``app`` (msal caches it)."""
    session = VerifyingSession(ca)

    class _Auth(requests.auth.AuthBase):
        def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
            result = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
            if "access_token" not in result:
                raise RuntimeError(
                    f"token: {result.get('error')}: {result.get('error_description')}"
                )
            request.headers["Authorization"] = "Bearer " + result["access_token"]
            return request

    session.auth = _Auth()
    return session
