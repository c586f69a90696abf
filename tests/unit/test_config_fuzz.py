"""Whatever an admin writes, checking the config answers with problems, never a crash."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from syncer.config import SyncerConfig, check_text
from syncer.errors import ConfigProblem

DEMO = Path(__file__).resolve().parents[2] / "config" / "demo.yaml"
VALID: dict[str, Any] = YAML(typ="safe", pure=True).load(DEMO.read_text(encoding="utf-8"))

KEYS = [
    "org", "domains", "timezone", "mode", "people", "email", "provider", "manager", "policy",
    "max_gap_days", "reschedule", "holidays", "detection", "title_include", "working_hours",
    "mon", "sat", "providers", "google", "microsoft", "client_secret", "agenda", "template",
    "web", "bind", "pilot", "aliases", "start_date", "max_gap_dayz", "",
]  # fmt: skip
YAML_BITS = ["\t", ":", "- ", "{", "\n  ", "&a ", "*a", "!!python/object ", "<<: *a", "? ", "${X}"]
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=date(1, 1, 1)),
    TEXT,
    st.sampled_from(
        [
            "off",
            "09:00-17:00",
            "17:00-09:00",
            "Mars/Olympus",
            "Europe/Berlin",
            "ana@demo.test",
            "maria@demo.test",
            "${SYNCER_DATA_DIR}",
            "${UNSET_VAR}",
            "${",
            "${1bad}",
            "default",
            "[unclosed",
            "google",
            "microsoft",
            "/nonexistent/template.yaml",
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(KEYS) | TEXT, inner, max_size=3),
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated_configs(draw: st.DrawFn) -> Any:
    """The demo config with 1-4 random edits: values replaced, keys removed, renamed or added."""
    data = _copy(VALID)
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["replace", "delete", "add", "rename"]))
        if not path:
            if op == "replace":
                data = draw(VALUES)
            continue
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        if op == "replace":
            parent[last] = draw(VALUES)
        elif op == "delete":
            del parent[last]
        elif op == "add" and isinstance(parent[last], dict):
            parent[last][draw(st.sampled_from(KEYS) | TEXT)] = draw(VALUES)
        elif op == "add" and isinstance(parent[last], list):
            parent[last].append(draw(VALUES))
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS) | TEXT)] = parent.pop(last)
    return data


def _copy(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node


def _dump(data: Any) -> str:
    stream = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, stream)
    return stream.getvalue()


def _assert_answer(config: SyncerConfig | None, problems: list[ConfigProblem]) -> None:
    assert (config is None) == bool(problems)
    for problem in problems:
        assert isinstance(problem, ConfigProblem)
        assert str(problem).strip()
        assert problem.line is None or problem.line >= 1
    if config is not None:  # a valid config also converts into the core's types
        config.people_list()
        config.policy()
        config.detection_rules()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_configs())
def test_random_edits_of_a_valid_config_yield_problems_never_a_crash(data: Any) -> None:
    _assert_answer(*check_text(_dump(data), env={}))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 10_000),
            st.integers(0, 3),
            TEXT | st.sampled_from(YAML_BITS),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_random_edits_of_the_yaml_text_yield_problems_never_a_crash(
    edits: list[tuple[int, int, str]],
) -> None:
    text = DEMO.read_text(encoding="utf-8")
    for at, cut, insert in edits:
        at %= len(text) + 1
        text = text[:at] + insert + text[at + cut :]
    _assert_answer(*check_text(text, env={}))


def test_the_unmutated_demo_data_is_valid() -> None:
    config, problems = check_text(_dump(VALID), env={})
    assert problems == [] and config is not None
