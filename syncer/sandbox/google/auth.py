"""The OAuth token endpoint for the service-account JWT bearer flow, and bearer tokens.

google-auth signs a JWT (RS256, header ``kid`` = private_key_id; claims iss = client_email,
scope, aud = Google's token endpoint, sub = the person to act as, iat, exp) and POSTs it to
``token_uri`` as ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=...``
(RFC 7523; Google "Using OAuth 2.0 for Server to Server Applications"). The answer is
``{"access_token", "expires_in", "token_type": "Bearer"}``; a refusal is an OAuth error
``{"error", "error_description"}`` that google-auth turns into ``RefreshError``.

Token lifetimes use the real wall clock (google-auth does too), not the simulated clock.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .errors import insufficient_scopes, unauthenticated

if TYPE_CHECKING:
    from .state import GoogleState

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SCOPE_PREFIX = "https://www.googleapis.com/auth/"
KNOWN_SCOPES = {
    SCOPE_PREFIX + name
    for name in (
        "calendar",
        "calendar.readonly",
        "calendar.events",
        "calendar.events.readonly",
        "calendar.freebusy",
        "drive",
        "drive.file",
        "drive.readonly",
        "documents",
        "documents.readonly",
        "admin.directory.user",
        "admin.directory.user.readonly",
    )
}
TOKEN_SECONDS = 3600
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


class OAuthError(Exception):
    """A refusal at the token endpoint, in OAuth's own error shape (not Google API's)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


@dataclass(frozen=True)
class ServiceAccount:
    client_email: str
    key_id: str
    public_key: rsa.RSAPublicKey
    scopes: frozenset[str] | None


@dataclass(frozen=True)
class Grant:
    """What a bearer token stands for: a person (``sub``) acting through a service account."""

    person: str | None
    client_email: str
    scopes: frozenset[str]
    expires: float

    def require(self, *any_of: str) -> None:
        """403 insufficientPermissions unless the token holds one of the scope names."""
        if not any(SCOPE_PREFIX + name in self.scopes for name in any_of):
            raise insufficient_scopes()


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class AuthRegistry:
    def __init__(self, state: GoogleState) -> None:
        self._state = state
        self.accounts: dict[str, ServiceAccount] = {}
        self.tokens: dict[str, Grant] = {}

    def issue(self, client_email: str, scopes: list[str] | None) -> dict[str, Any]:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_id = secrets.token_hex(20)
        self.accounts[client_email] = ServiceAccount(
            client_email,
            key_id,
            key.public_key(),
            frozenset(scopes) if scopes is not None else None,
        )
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        base = self._state.base_url or "http://127.0.0.1"
        return {
            "type": "service_account",
            "project_id": "sandbox",
            "private_key_id": key_id,
            "private_key": pem,
            "client_email": client_email,
            "client_id": str(abs(hash(client_email)) % 10**21),
            "auth_uri": base + "/o/oauth2/auth",
            "token_uri": base + "/token",
            "auth_provider_x509_cert_url": base + "/oauth2/v1/certs",
            "client_x509_cert_url": base + "/robot/v1/metadata/x509/" + client_email,
            "universe_domain": "googleapis.com",
        }

    def token_for_assertion(self, grant_type: str, assertion: str) -> dict[str, Any]:
        """Check a signed JWT and hand out a bearer token acting as its ``sub``."""
        if grant_type != JWT_BEARER:
            raise OAuthError(400, "unsupported_grant_type", "Invalid grant_type: " + grant_type)
        try:
            header_b64, claims_b64, signature_b64 = assertion.split(".")
            header = json.loads(_b64decode(header_b64))
            claims = json.loads(_b64decode(claims_b64))
            signature = _b64decode(signature_b64)
        except ValueError as exc:
            raise OAuthError(400, "invalid_grant", "Invalid JWT: malformed assertion") from exc
        account = self.accounts.get(claims.get("iss", ""))
        if account is None:
            raise OAuthError(401, "invalid_client", "The OAuth client was not found.")
        if header.get("alg") != "RS256" or header.get("kid") not in (None, account.key_id):
            raise OAuthError(400, "invalid_grant", "Invalid JWT Signature.")
        try:
            account.public_key.verify(
                signature,
                f"{header_b64}.{claims_b64}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature as exc:
            raise OAuthError(400, "invalid_grant", "Invalid JWT Signature.") from exc
        now = time.time()
        if not (claims.get("iat", 0) - 300 <= now <= claims.get("exp", 0) + 300):
            raise OAuthError(
                400,
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.",
            )
        # google-auth always signs for Google's own endpoint, whatever token_uri says.
        if claims.get("aud") not in (GOOGLE_TOKEN_AUDIENCE, self._state.base_url + "/token"):
            raise OAuthError(400, "invalid_grant", "Invalid JWT: Failed audience check.")
        scopes = frozenset(str(claims.get("scope", "")).split())
        allowed = account.scopes if account.scopes is not None else KNOWN_SCOPES
        if not scopes or not scopes <= allowed:
            raise OAuthError(
                401,
                "unauthorized_client",
                "Client is unauthorized to retrieve access tokens using this method, "
                "or client not authorized for any of the scopes requested.",
            )
        subject = claims.get("sub")
        if subject is not None:
            person = self._state.person(subject)
            if person is None or person.suspended:
                raise OAuthError(400, "invalid_grant", "Invalid email or User ID")
            subject = person.email
        token = "ya29.sandbox-" + secrets.token_urlsafe(32)
        self.tokens[token] = Grant(subject, account.client_email, scopes, now + TOKEN_SECONDS)
        return {"access_token": token, "expires_in": TOKEN_SECONDS, "token_type": "Bearer"}

    def grant_for(self, authorization: str | None) -> Grant:
        """The grant behind an ``Authorization: Bearer`` header, or 401 in Google's shape."""
        if not authorization:
            raise unauthenticated(
                "required",
                "Request is missing required authentication credential. "
                "Expected OAuth 2 access token.",
            )
        scheme, _, token = authorization.partition(" ")
        grant = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if grant is None or grant.expires < time.time():
            raise unauthenticated()
        return grant

    def revoke_all(self) -> None:
        """Forget every bearer token (clients then refresh: a 401 round trip)."""
        self.tokens.clear()
