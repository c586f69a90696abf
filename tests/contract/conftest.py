"""The provider contract: one suite, every provider (vdirsyncer's lesson).

`provider_env` yields a `ProviderEnv` per provider: the provider under test, built exactly as
production builds it but pointed at its emulator; a `world` to make changes as a person would
(`seed_weekly_one_on_one`, `edit_description`, `add_busy`, `expire_cursors`); and the two
people. Each provider's world (`google_world.py`, `microsoft_world.py`) has the same
person-facing methods.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from syncer.providers.base import Provider
from syncer.sandbox.tls import TlsFiles, ensure_tls_files
from tests.contract.google_world import ALICE, BOB, google_world
from tests.contract.microsoft_world import microsoft_world

PROVIDERS = ["google", "microsoft"]


@dataclass
class ProviderEnv:
    provider: Provider
    world: Any  # GoogleWorld or MicrosoftWorld: the same person-facing methods
    people: tuple[str, str]


@pytest.fixture(scope="session")
def sandbox_tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """One throwaway CA for the session: every emulator here speaks HTTPS like production."""
    return ensure_tls_files(tmp_path_factory.mktemp("sandbox-tls"))


@pytest.fixture(params=PROVIDERS)
def provider_env(request: pytest.FixtureRequest, sandbox_tls: TlsFiles) -> Iterator[ProviderEnv]:
    if request.param == "google":
        with google_world(sandbox_tls) as world:
            yield ProviderEnv(world.provider(), world, (ALICE, BOB))
    elif request.param == "microsoft":
        with microsoft_world(sandbox_tls) as ms_world:
            yield ProviderEnv(ms_world.provider(), ms_world, (ALICE, BOB))
    else:  # pragma: no cover - a provider listed without a world
        raise NotImplementedError(request.param)
