"""How a client connects to the emulator with the real libraries (tests, demo, README).

This is exactly what a production caller does, with two differences only: ``api_endpoint``
is the emulator's URL and, over HTTPS, httplib2 trusts the sandbox CA.
"""

from __future__ import annotations

from typing import Any

import google_auth_httplib2  # type: ignore[import-untyped]
import httplib2  # type: ignore[import-untyped]
from google.oauth2 import service_account
from googleapiclient.discovery import build  # type: ignore[import-untyped]

SCOPES = {
    "calendar": ["https://www.googleapis.com/auth/calendar"],
    "drive": ["https://www.googleapis.com/auth/drive.file"],
    "docs": ["https://www.googleapis.com/auth/documents"],
    "admin": ["https://www.googleapis.com/auth/admin.directory.user.readonly"],
}
VERSIONS = {"calendar": "v3", "drive": "v3", "docs": "v1", "admin": "directory_v1"}


def service(
    api: str,
    base_url: str,
    key_info: dict[str, Any],
    person: str | None,
    *,
    scopes: list[str] | None = None,
    ca_certs: str | None = None,
) -> Any:
    """A googleapiclient Resource for ``api`` acting as ``person`` through the service account."""
    credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        key_info, scopes=scopes or SCOPES[api], subject=person
    )
    http = google_auth_httplib2.AuthorizedHttp(
        credentials, http=httplib2.Http(ca_certs=ca_certs, timeout=30)
    )
    return build(
        api,
        VERSIONS[api],
        http=http,
        client_options={"api_endpoint": base_url},
        static_discovery=True,
        cache_discovery=False,
    )
