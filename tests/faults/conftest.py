"""Fixtures of the fault suite: one Lab per module (TLS files, the session's Redis)."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.sandbox.tls import ensure_tls_files
from tests.faults.trials import Lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Lab:
    tmp: Path = tmp_path_factory.mktemp("faults")
    return Lab(tmp, ensure_tls_files(tmp / "tls"), redis_url)
