"""Bugs the kill -9 trials found (tests/faults/service_trials.py), each pinned by the smallest
engine-level story that shows it: a write failing for good stands in for the job killed
right before it (the half-done state is the same), then a clean run must finish the work."""

from __future__ import annotations

from pathlib import Path

from syncer.sandbox.google import FaultRule as GoogleRule
from syncer.sandbox.graph import FaultRule as GraphRule
from syncer.store import Store
from tests.faults.story import seed, settled
from tests.faults.trials import Lab
from tests.faults.worlds import fault_world


def test_a_google_doc_left_without_header_and_shares_is_finished_by_the_next_run(
    lab: Lab, tmp_path: Path, store: Store
) -> None:
    """A job killed between `files.create` and the header write left the doc empty and
    unshared, and the re-run found it by its marker and kept it so, for good."""
    with fault_world("google", tmp_path, lab.tls, store) as world:
        seed(world)
        world.state.faults.add(GoogleRule("server_error", times=None, path=r":batchUpdate$"))
        world.sync()
        world.state.faults.clear()
        world.sync()
        docs = world.snapshot().docs
        assert sorted(docs) == ["ana@acme.test|bob@acme.test", "cat@acme.test|dan@acme.test"]
        for pair, texts in docs.items():
            other = pair.split("|")[1]
            assert len(texts) == 1 and texts[0].startswith("1:1 agenda:"), texts
            assert other in texts[0].rsplit("shared with", 1)[1], texts
        assert settled(world) == []


def test_a_graph_doc_left_unshared_is_shared_by_the_next_run(
    lab: Lab, tmp_path: Path, store: Store
) -> None:
    """A job killed between the upload and the invite left the attendee without access to
    the agenda doc; the re-run found the doc and never shared it."""
    with fault_world("microsoft", tmp_path, lab.tls, store) as world:
        seed(world)
        world.state.faults.add(GraphRule("server_error", times=None, path=r"/invite$"))
        world.sync()
        world.state.faults.clear()
        world.sync()
        docs = world.snapshot().docs
        assert sorted(docs) == ["ana@acme.test|bob@acme.test", "cat@acme.test|dan@acme.test"]
        for pair, texts in docs.items():
            other = pair.split("|")[1]
            assert len(texts) == 1 and other in texts[0].rsplit("shared with", 1)[1], texts
        assert settled(world) == []
