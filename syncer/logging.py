"""Structured logs: JSON in production, readable in a terminal, never a secret or a body.

Call `configure_logging()` once at the top of a process (CLI, worker, web), then
`log = get_logger(org=..., pair=...)` at the top of a job and `log.info("apply.block_written",
event_id=...)`. Events are short snake_case names with fields.

Redaction runs last before rendering, on every event of syncer and of the libraries below it
(stdlib `logging` is routed through the same processors): fields named like a secret or a
body are replaced by `[redacted]` wherever they are nested, and strings anywhere are scrubbed of
bearer tokens, JWTs, PEM keys, URL passwords and token query parameters.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED = "[redacted]"

# Parts of a field name (split on _ - . and camelCase) that mark a secret.
_SECRET_PARTS = frozenset(
    {
        "secret",
        "secrets",
        "token",
        "tokens",
        "password",
        "passwd",
        "passphrase",
        "authorization",
        "auth",
        "assertion",
        "credential",
        "credentials",
        "cookie",
        "apikey",
    }
)
_SECRET_NAMES = frozenset({"private_key", "privatekey", "api_key", "client_secret", "set_cookie"})
# Parts that mark content people wrote: dropped, unless the name only describes it (below).
_BODY_PARTS = frozenset({"description", "body", "content", "text"})
_DESCRIBING_SUFFIXES = frozenset({"hash", "type", "len", "length", "size", "id", "bytes"})

_VALUE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
            re.DOTALL,
        ),
        REDACTED,
    ),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*"), r"\1 " + REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@"), r"\1" + REDACTED + "@"),
    (
        re.compile(
            r"(?i)([?&;](?:access_token|refresh_token|id_token|token|client_secret|password|"
            r"assertion|code|sig|signature|key|apikey|api_key)=)[^&\s\"']+"
        ),
        r"\1" + REDACTED,
    ),
)

_NAME_SPLIT = re.compile(r"[_\-.\s]+|(?<=[a-z0-9])(?=[A-Z])")


def is_sensitive_name(name: str) -> bool:
    """True for field names that carry secrets or people's text (`access_token`,
    `clientSecret`, `body`, `event_description`), false for names that only describe such
    a thing (`content_hash`, `body_type`)."""
    parts = [p.lower() for p in _NAME_SPLIT.split(name) if p]
    joined = "_".join(parts)
    if name.lower() in _SECRET_NAMES or any(n in joined for n in _SECRET_NAMES):
        return True
    if any(p in _SECRET_PARTS for p in parts):
        return True
    if any(p in _BODY_PARTS for p in parts):
        return not (parts and parts[-1] in _DESCRIBING_SUFFIXES)
    return False


def scrub(text: str) -> str:
    """`text` with tokens, keys and URL passwords masked."""
    for pattern, replacement in _VALUE_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {
            k: REDACTED if isinstance(k, str) and is_sensitive_name(k) else _redact_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_value(v) for v in value]
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def redact(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: mask secret and body fields, scrub secrets out of every string."""
    for key in list(event_dict):
        if key != "event" and is_sensitive_name(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _redact_value(event_dict[key])
    return event_dict


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,  # tracebacks become text, so they get scrubbed
        redact,
    ]


def configure_logging(json: bool | None = None, level: str | int = "info") -> None:
    """Set up structlog (and stdlib logging) to write to stderr.

    `json=None` picks JSON lines when stderr is not a terminal, a readable console otherwise.
    Safe to call again (tests do); the last call wins.
    """
    numeric = level if isinstance(level, int) else logging.getLevelNamesMapping()[level.upper()]
    use_json = not sys.stderr.isatty() if json is None else json
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[_drop_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.set_name("syncer")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "syncer"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric)


def _drop_meta(logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
    event_dict.pop("_record", None)
    event_dict.pop("_from_structlog", None)
    return event_dict


def get_logger(
    org: str | None = None,
    calendar: str | None = None,
    pair: str | None = None,
    job: str | None = None,
    **ids: Any,
) -> Any:
    """A syncer logger with the given ids bound (None values are left out)."""
    bound: MutableMapping[str, Any] = {
        k: v
        for k, v in {"org": org, "calendar": calendar, "pair": pair, "job": job, **ids}.items()
        if v is not None
    }
    return structlog.get_logger("syncer").bind(**bound)
