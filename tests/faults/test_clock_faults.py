"""Runs across a DST change (EU and US a week apart) and a year boundary with a holiday on
1 Jan give what the pure core gives (tests/faults/clock.py)."""

from __future__ import annotations

import pytest

from tests.faults.clock import MOMENTS, clock_trial
from tests.faults.trials import Lab
from tests.faults.worlds import PROVIDERS, ProviderKind


@pytest.mark.parametrize("kind", PROVIDERS)
def test_runs_across_dst_and_new_year_match_the_pure_core(lab: Lab, kind: ProviderKind) -> None:
    outcome = clock_trial(lab, kind)
    assert outcome.trials == len(MOMENTS) and outcome.violations == []
