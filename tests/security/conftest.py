"""An app per test: a config bound to a public interface with an admin token, on the shared
test Redis under the test's own org (its keys are wiped afterwards by `redis_client`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib

from syncer.web import create_app

ADMIN_TOKEN = "adm-9c1f0e7b-token"


def write_config(tmp: Path, org: str, redis_url: str, bind: str, token: str | None) -> Path:
    key = tmp / "sa.json"
    key.write_text("{}")
    web = f'web:\n  bind: "{bind}"\n' + (f"  admin_token: {token}\n" if token else "")
    path = tmp / "syncer.yaml"
    path.write_text(
        f"org: {org}\ndomains: [acme.test]\nredis_url: {redis_url}\n"
        "people:\n  - email: ana@acme.test\n    provider: google\n"
        f"providers:\n  google:\n    service_account_file: {key}\n{web}"
    )
    return path


@pytest.fixture
def make_app(
    tmp_path: Path, org: str, redis_url: str, redis_client: redis_lib.Redis
) -> Callable[..., Any]:
    def make(bind: str = "0.0.0.0:8080", token: str | None = ADMIN_TOKEN) -> Any:
        return create_app(write_config(tmp_path, org, redis_url, bind, token))

    return make
