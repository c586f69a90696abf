"""The Microsoft identity platform as msal meets it: the tenant's OpenID configuration and
the v2.0 token endpoint with the client-credentials grant.

msal (1.39, checked) with ``instance_discovery=False`` GETs
``{authority}/v2.0/.well-known/openid-configuration`` and POSTs the form to the document's
``token_endpoint``. Access tokens here are opaque strings the emulator remembers with their
expiry (real ones are JWTs; syncer must not look inside them).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import OAuthError, invalid_token

if TYPE_CHECKING:
    from .state import GraphState

GRAPH_DEFAULT_SCOPE = "https://graph.microsoft.com/.default"
TOKEN_LIFETIME = dt.timedelta(seconds=3599)


@dataclass(frozen=True)
class AccessToken:
    app: str
    expires: dt.datetime


class Identity:
    def __init__(self, state: GraphState) -> None:
        self._state = state
        self.apps: dict[str, str] = {}  # client id -> secret
        self.tokens: dict[str, AccessToken] = {}
        self.lifetime = TOKEN_LIFETIME

    def register_app(
        self, client_id: str | None = None, secret: str | None = None
    ) -> tuple[str, str]:
        """An app registration with a client secret; returns (client_id, secret)."""
        client_id = client_id or str(uuid.uuid4())
        secret = secret or secrets.token_urlsafe(30)
        self.apps[client_id] = secret
        return client_id, secret

    def knows_tenant(self, tenant: str) -> bool:
        state = self._state
        return tenant.lower() in {
            state.tenant_id,
            state.domain,
            f"{state.tenant_name}.onmicrosoft.com",
        }

    def _unknown_tenant(self, tenant: str) -> OAuthError:
        return OAuthError(
            400,
            "invalid_tenant",
            90002,
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and "
            "are signing into the correct cloud.",
        )

    def openid_configuration(self, tenant: str) -> dict[str, Any]:
        if not self.knows_tenant(tenant):
            raise self._unknown_tenant(tenant)
        base, tid = self._state.base_url, self._state.tenant_id
        return {
            "token_endpoint": f"{base}/{tid}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post", "private_key_jwt", "client_secret_basic",
            ],
            "jwks_uri": f"{base}/{tid}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/{tid}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{base}/oidc/userinfo",
            "authorization_endpoint": f"{base}/{tid}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/{tid}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/{tid}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid", "oid"],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }  # fmt: skip

    def token(self, tenant: str, form: dict[str, str]) -> dict[str, Any]:
        """The client-credentials grant (client_secret_post or basic, as msal sends it)."""
        if not self.knows_tenant(tenant):
            raise self._unknown_tenant(tenant)
        if form.get("grant_type") != "client_credentials":
            raise OAuthError(
                400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
            )
        client_id = form.get("client_id", "")
        if client_id not in self.apps:
            raise OAuthError(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{self._state.tenant_name}'.",
            )
        if form.get("client_secret") != self.apps[client_id]:
            raise OAuthError(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                f"the client secret value, not the client secret ID, for a secret added to app "
                f"'{client_id}'.",
            )
        scopes = form.get("scope", "").split()
        if GRAPH_DEFAULT_SCOPE not in scopes:
            raise OAuthError(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {' '.join(scopes)} is not valid. Client credential "
                "flows must have a scope value with /.default suffixed to the resource identifier.",
            )
        value = "eyJ0eXAiOiJKV1QifQ." + secrets.token_urlsafe(48)
        self.tokens[value] = AccessToken(client_id, self._state.clock.now() + self.lifetime)
        seconds = int(self.lifetime.total_seconds())
        return {
            "token_type": "Bearer",
            "expires_in": seconds,
            "ext_expires_in": seconds,
            "access_token": value,
        }

    def app_for(self, authorization: str | None) -> str:
        """The client id behind a bearer header, or 401 InvalidAuthenticationToken."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise invalid_token("Access token is empty.")
        found = self.tokens.get(authorization.split(" ", 1)[1].strip())
        if found is None:
            raise invalid_token("IDX14100: JWT is not well formed, there are no dots (.).")
        if found.expires <= self._state.clock.now():
            raise invalid_token("Lifetime validation failed, the token is expired.")
        return found.app

    def expire_tokens(self) -> None:
        """Make every issued access token expired (msal then fetches a new one only once its
        own cache says so: use ``lifetime`` to make tokens short instead)."""
        past = self._state.clock.now() - dt.timedelta(seconds=1)
        for value, token in list(self.tokens.items()):
            self.tokens[value] = AccessToken(token.app, past)
