"""The fault suite at engine level, on both emulators: 412 races, API faults, expired cursors,
Redis wiped or restarted mid-run. Each trial's end is checked against a clean twin's (see
tests/faults/story.py). The CI form runs a few trials; `slow` and benchmarks/faults.py the rest.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.faults.trials import (
    Lab,
    api_fault_trial,
    clean_run,
    cursor_trial,
    race_trials,
    redis_trial,
)
from tests.faults.worlds import PROVIDERS, ProviderKind

_clean: dict[ProviderKind, tuple[Any, int]] = {}


def clean(lab: Lab, kind: ProviderKind) -> tuple[Any, int]:
    if kind not in _clean:
        _clean[kind] = clean_run(lab, kind)
    return _clean[kind]


@pytest.mark.parametrize("kind", PROVIDERS)
def test_a_person_racing_syncers_writes_keeps_every_outside_edit_and_one_correct_block(
    lab: Lab, kind: ProviderKind
) -> None:
    outcome = race_trials(lab, kind, 25, random.Random(f"race-{kind}"))
    assert outcome.trials == 25 and outcome.violations == []


@pytest.mark.slow
@pytest.mark.parametrize("kind", PROVIDERS)
def test_five_hundred_races_per_provider_lose_nothing(lab: Lab, kind: ProviderKind) -> None:
    outcome = race_trials(lab, kind, 500, random.Random(f"race-long-{kind}"))
    assert outcome.violations == []


@pytest.mark.parametrize("kind", PROVIDERS)
@pytest.mark.parametrize("seed", [1, 2])
def test_a_fifth_of_api_calls_failing_completes_within_twice_the_calls(
    lab: Lab, kind: ProviderKind, seed: int
) -> None:
    snapshot, calls = clean(lab, kind)
    outcome = api_fault_trial(lab, kind, random.Random(seed), snapshot, calls)
    assert outcome.violations == []


@pytest.mark.parametrize("kind", PROVIDERS)
@pytest.mark.parametrize("seed", [1, 2])
def test_cursors_expiring_at_random_resync_to_the_same_state(
    lab: Lab, kind: ProviderKind, seed: int
) -> None:
    snapshot, _ = clean(lab, kind)
    assert cursor_trial(lab, kind, random.Random(seed), snapshot).violations == []


@pytest.mark.parametrize("kind", PROVIDERS)
@pytest.mark.parametrize(
    "restart",
    [False, True],
    ids=["wiped", "restarted"],
)
def test_redis_lost_mid_run_recovers_to_the_clean_state_without_duplicates(
    lab: Lab, kind: ProviderKind, restart: bool
) -> None:
    snapshot, _ = clean(lab, kind)
    for seed in range(3):
        outcome = redis_trial(lab, kind, random.Random(seed), snapshot, restart)
        assert outcome.violations == [], seed
