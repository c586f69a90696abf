"""The fault suite through the real service (tests/faults/service_trials.py): `syncer worker`
processes killed with SIGKILL at random points of their jobs, Redis flushed or restarted under
them, a fifth of API calls failing under them, a person racing their writes, sync tokens /
delta links expiring under them. Each run's end is compared with a clean service twin's. And
the clock trial through them (tests/faults/clock.py): across a DST change and a year boundary
the workers' results are the pure core's. The CI form runs one story per fault and provider
(three kills each); `slow` and benchmarks/faults.py the rest.
"""

from __future__ import annotations

import random

import pytest

from tests.faults.clock import MOMENTS, clock_service_trial
from tests.faults.service import Picture
from tests.faults.service_trials import (
    api_fault_service_trial,
    clean_service_run,
    cursor_service_trial,
    kill_trial,
    race_service_trials,
    redis_service_trial,
)
from tests.faults.trials import Lab
from tests.faults.worlds import PROVIDERS, ProviderKind

_clean: dict[ProviderKind, list[Picture]] = {}


def clean(lab: Lab, kind: ProviderKind) -> list[Picture]:
    if kind not in _clean:
        _clean[kind] = clean_service_run(lab, kind)
    return _clean[kind]


@pytest.mark.parametrize("kind", PROVIDERS)
def test_workers_killed_mid_job_end_as_the_clean_run_without_duplicates(
    lab: Lab, kind: ProviderKind
) -> None:
    outcome = kill_trial(lab, kind, random.Random(f"kill-{kind}"), clean(lab, kind))
    assert outcome.violations == []
    assert outcome.trials >= 2  # a kill landing after a run went quiet is no trial


@pytest.mark.slow
@pytest.mark.parametrize("kind", PROVIDERS)
def test_thirty_kills_per_provider_end_as_the_clean_run(lab: Lab, kind: ProviderKind) -> None:
    rng = random.Random(f"kill-long-{kind}")
    violations = []
    for _ in range(10):
        violations += kill_trial(lab, kind, rng, clean(lab, kind)).violations
    assert violations == []


@pytest.mark.parametrize(
    "restart",
    [False, True],
    ids=["flushed", "restarted"],
)
@pytest.mark.parametrize("kind", PROVIDERS)
def test_redis_lost_under_running_workers_recovers_by_the_sweep(
    lab: Lab, kind: ProviderKind, restart: bool
) -> None:
    rng = random.Random(f"redis-{kind}-{restart}")
    assert redis_service_trial(lab, kind, rng, clean(lab, kind), restart).violations == []


@pytest.mark.parametrize("kind", PROVIDERS)
def test_a_fifth_of_api_calls_failing_under_the_workers_ends_as_the_clean_run(
    lab: Lab, kind: ProviderKind
) -> None:
    outcome = api_fault_service_trial(lab, kind, random.Random(f"api-{kind}"), clean(lab, kind))
    assert outcome.violations == []
    assert outcome.calls > outcome.clean_calls  # faults were answered, and retried


@pytest.mark.parametrize("kind", PROVIDERS)
def test_a_person_racing_the_workers_keeps_every_outside_edit_and_one_block(
    lab: Lab, kind: ProviderKind
) -> None:
    outcome = race_service_trials(lab, kind, 6, random.Random(f"race-service-{kind}"))
    assert outcome.trials >= 3 and outcome.violations == []  # most changes met an edit


@pytest.mark.parametrize("kind", PROVIDERS)
def test_cursors_expiring_under_the_workers_resync_in_full_to_the_clean_run(
    lab: Lab, kind: ProviderKind
) -> None:
    outcome = cursor_service_trial(lab, kind, random.Random(f"cursors-{kind}"), clean(lab, kind))
    assert outcome.trials >= 1 and outcome.violations == []  # an expiry hit a live cursor


@pytest.mark.parametrize("kind", PROVIDERS)
def test_workers_across_dst_and_new_year_match_the_pure_core(lab: Lab, kind: ProviderKind) -> None:
    outcome = clock_service_trial(lab, kind)
    assert outcome.trials == len(MOMENTS) and outcome.violations == []
