"""Logs never carry a secret, a token or a body, in JSON or on the console."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from syncer.logging import REDACTED, configure_logging, get_logger, is_sensitive_name, scrub

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbmFAYWNtZS50ZXN0In0.c2lnbmF0dXJlLWJ5dGVz"
PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    yield
    structlog.reset_defaults()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == "syncer"]:
        root.removeHandler(handler)


def _json_lines(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def test_secret_fields_are_redacted_and_ids_kept(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    get_logger(org="acme", pair="ana@acme.test|bo@acme.test", job="j1").info(
        "auth.token_refreshed",
        access_token="ya29.secret-access",
        refresh_token="1//secret-refresh",
        client_secret="shh",
        password="hunter2",
        Authorization="Bearer abc.def",
        assertion=JWT,
        private_key=PEM,
        clientSecret="camel-shh",
        expires_in=3599,
    )
    err = capsys.readouterr().err
    (line,) = _json_lines(err)
    for secret in ("ya29", "secret-refresh", "shh", "hunter2", "abc.def", JWT, "MIIE", "camel-shh"):
        assert secret not in err
    assert line["access_token"] == REDACTED
    assert line["clientSecret"] == REDACTED
    assert line["expires_in"] == 3599
    assert line["org"] == "acme"
    assert line["pair"] == "ana@acme.test|bo@acme.test"
    assert line["job"] == "j1"
    assert line["event"] == "auth.token_refreshed"
    assert line["level"] == "info"
    assert line["timestamp"].endswith("Z")


def test_bodies_are_dropped_but_their_hashes_and_types_kept(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(json=True)
    get_logger().info(
        "apply.block_written",
        description="Ana's private notes",
        body={"contentType": "html", "content": "<p>salary talk</p>"},
        text="agenda text",
        content="more",
        event_body="x",
        content_hash="abc123",
        body_type="html",
    )
    err = capsys.readouterr().err
    (line,) = _json_lines(err)
    assert "salary" not in err and "private notes" not in err and "agenda text" not in err
    assert line["description"] == REDACTED
    assert line["body"] == REDACTED
    assert line["event_body"] == REDACTED
    assert line["content_hash"] == "abc123"
    assert line["body_type"] == "html"


def test_nested_secrets_and_tokens_inside_values_are_masked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(json=True)
    get_logger(calendar="ana@acme.test").warning(
        "provider.request_failed",
        request={"headers": {"Authorization": "Bearer ya29.zzz"}, "url": "https://x.test/a"},
        attempts=[{"token": "t1"}, {"status": 429}],
        detail=f"got 401 for Bearer ya29.inline and jwt {JWT}",
        url="https://login.test/token?client_secret=s3cr3t&grant_type=x&code=abc",
        redis="redis://:hunter2@db.internal:6379/0",
        key_file=PEM,
    )
    err = capsys.readouterr().err
    (line,) = _json_lines(err)
    for secret in ("ya29", 't1"', JWT, "s3cr3t", "code=abc", "hunter2", "MIIE"):
        assert secret not in err
    assert line["request"]["headers"]["Authorization"] == REDACTED
    assert line["request"]["url"] == "https://x.test/a"
    assert line["attempts"][1] == {"status": 429}
    assert "grant_type=x" in line["url"]
    assert line["redis"] == f"redis://:{REDACTED}@db.internal:6379/0"


def test_exception_tracebacks_are_scrubbed(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    try:
        raise RuntimeError(f"refresh failed with Bearer {JWT}")
    except RuntimeError:
        get_logger().exception("auth.failed")
    err = capsys.readouterr().err
    (line,) = _json_lines(err)
    assert "RuntimeError" in line["exception"]
    assert JWT not in err


def test_stdlib_logs_of_libraries_go_through_the_same_redaction(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(json=True)
    logging.getLogger("googleapiclient.discovery").info(
        "GET %s", "https://x.test/?access_token=abc"
    )
    (line,) = _json_lines(capsys.readouterr().err)
    assert line["event"] == f"GET https://x.test/?access_token={REDACTED}"
    assert line["logger"] == "googleapiclient.discovery"


def test_console_output_is_redacted_too(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=False)
    get_logger(org="acme").info("sync.page_fetched", access_token="ya29.secret", items=12)
    err = capsys.readouterr().err
    assert "sync.page_fetched" in err
    assert "ya29" not in err
    assert "items" in err


def test_level_filters_out_quieter_events(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True, level="warning")
    log = get_logger()
    log.info("quiet")
    log.warning("loud")
    assert [line["event"] for line in _json_lines(capsys.readouterr().err)] == ["loud"]


def test_logs_go_to_stderr_not_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    get_logger().info("hello")
    out, err = capsys.readouterr()
    assert out == ""
    assert "hello" in err


@pytest.mark.parametrize(
    "name",
    ["token", "access_token", "syncToken", "client-secret", "PASSWORD", "private_key",
     "privateKey", "description", "body", "bodyPreview", "content", "text", "assertion",
     "authorization"],
)  # fmt: skip
def test_names_of_secrets_and_bodies_are_sensitive(name: str) -> None:
    assert is_sensitive_name(name)


@pytest.mark.parametrize(
    "name",
    ["pair", "pair_key", "event_id", "content_hash", "body_type", "context", "org", "status"],
)
def test_names_that_only_describe_are_kept(name: str) -> None:
    assert not is_sensitive_name(name)


def test_scrub_leaves_plain_text_alone() -> None:
    text = "pulled 12 events for ana@acme.test from https://www.googleapis.com/calendar/v3"
    assert scrub(text) == text
