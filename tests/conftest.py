"""Shared fixtures. Keep them small and generic; add yours below, each with a line on why.

Redis: tests talk to a real server. `REDIS_URL` if set (CI may point at a service), else one
embedded server for the whole session in a temporary SYNCER_DATA_DIR. Every test gets its own
`org`, and `redis_client` deletes exactly that org's keys afterwards, so tests can share one
Redis (even a developer's) safely. Never FLUSHDB in a test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib

from syncer.redis_server import ensure_embedded, stop_embedded
from syncer.sandbox.tls import TlsFiles, ensure_tls_files
from syncer.store import Store


@pytest.fixture(scope="session")
def embedded_redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An embedded redis-server for this session, whatever REDIS_URL says; stopped at the end."""
    data_dir: Path = tmp_path_factory.mktemp("syncer-data")
    url = ensure_embedded(data_dir)
    yield url
    stop_embedded(data_dir)


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """The emulators' CA and server certificate: made once (key generation is slow), shared by
    every test that starts an emulator over HTTPS."""
    return ensure_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def redis_url(request: pytest.FixtureRequest) -> str:
    """The Redis the tests use: REDIS_URL if set, else the session's embedded server."""
    return os.environ.get("REDIS_URL") or request.getfixturevalue("embedded_redis_url")


@pytest.fixture
def org() -> str:
    """A unique org name per test, so a test sees only its own keys."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def redis_client(redis_url: str, org: str) -> Iterator[redis_lib.Redis]:
    """A client (bytes responses, as rq needs) on the shared Redis; `org`'s keys go afterwards."""
    client = redis_lib.Redis.from_url(redis_url)
    yield client
    Store(client, org).wipe()
    client.close()


@pytest.fixture
def store(redis_client: redis_lib.Redis, org: str) -> Store:
    """The unique test org's Store on the shared Redis (its keys are wiped after the test)."""
    return Store(redis_client, org)
