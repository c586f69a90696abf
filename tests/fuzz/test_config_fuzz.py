"""Config fuzzing at scale: whatever an admin writes, `syncer config check` answers with
problems (exit 2) or a summary (exit 0), never a traceback and never a hang.

Builds on the strategies of tests/unit/test_config_fuzz.py (random edits of the demo config,
random edits of its YAML text) and adds the example config, YAML alias bombs, deep nesting,
huge values and the CLI itself (click's CliRunner). The full forms (`-m slow`) check 10,000
configs each.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from syncer.cli import cli
from syncer.config import check_text
from syncer.errors import ConfigProblem
from tests.fuzz.logs import FUZZ_SETTINGS
from tests.unit.test_config_fuzz import TEXT, VALUES, YAML_BITS, _assert_answer, mutated_configs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "config" / "example.yaml").read_text(encoding="utf-8")
DEMO = (ROOT / "config" / "demo.yaml").read_text(encoding="utf-8")
NASTY = [
    *YAML_BITS,
    "&b [*b]",
    "!!binary AAAA",
    "!!set {a, b}",
    "!!timestamp 2026-13-45",
    "[" * 300,
    "{" * 300,
    "- " * 200,
    "\x00",
    "\ufeff",
    "\u2028",
    "A" * 100_000,
    "${" + "X" * 5000 + "}",
    "0x" + "f" * 400,
    "1e999999",
    ".nan",
    "? [a, b]\n: c",
]


def _dump(data: Any) -> str:
    stream = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, stream)
    return stream.getvalue()


def _bomb(width: int, levels: int) -> str:
    """Billion laughs: `levels` lists each holding `width` aliases of the one before."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return "org: bomb\n" + "\n".join(lines) + "\n"


@st.composite
def text_edits(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from([DEMO, EXAMPLE]))
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 40))
        text = text[:at] + draw(TEXT | st.sampled_from(NASTY)) + text[at + cut :]
    return text


configs = st.one_of(
    mutated_configs().map(_dump),
    text_edits(),
    st.builds(lambda w, n: _bomb(w, n), st.integers(2, 12), st.integers(2, 9)),
    st.builds(lambda v: _dump({"org": "x", "domains": ["acme.test"], "people": v}), VALUES),
)


def _check(text: str) -> None:
    config, problems = check_text(text, env={"SECRET": "s3cret"})
    _assert_answer(config, problems)
    assert all(isinstance(p, ConfigProblem) and len(str(p)) < 1_000 for p in problems)


@settings(max_examples=60, **FUZZ_SETTINGS)
@given(configs)
def test_any_config_text_gets_problems_or_a_config_never_a_crash(text: str) -> None:
    _check(text)


@pytest.mark.slow
@settings(max_examples=10_000, **FUZZ_SETTINGS)
@given(configs)
def test_ten_thousand_configs_get_problems_or_a_config_never_a_crash(text: str) -> None:
    _check(text)


def test_an_alias_bomb_is_one_problem_not_a_hang() -> None:
    config, problems = check_text(_bomb(10, 9), env={})
    assert config is None
    assert [p.message for p in problems] == ["aliases expand to more than 10,000 values"]


BLOCK_DEEP = "org: x\npeople:\n" + "".join("  " * i + "- \n" for i in range(1, 1500))


@pytest.mark.parametrize("text", [BLOCK_DEEP, "org: " + "[" * 400 + "]" * 400])
def test_nesting_past_the_recursion_limit_is_a_problem_not_a_traceback(text: str) -> None:
    config, problems = check_text(text, env={})
    assert config is None and problems


def test_a_problem_quotes_at_most_a_few_hundred_characters_of_a_huge_value() -> None:
    """Regression: a 100 KB working-hours value came back whole inside its problem."""
    text = DEMO.replace('working_hours: "10:00-18:00"', f'working_hours: "1{"A" * 100_000}"', 1)
    config, problems = check_text(text, env={})
    assert config is None and problems
    assert all(len(str(p)) < 1_000 for p in problems)
    assert any("characters)" in str(p) for p in problems)


def test_a_problem_names_at_most_a_few_hundred_characters_of_a_huge_key() -> None:
    """Regression (found by the 10,000-config run): a 1,000-character stray key came back whole."""
    config, problems = check_text(DEMO + "\n" + "k" * 1000 + ": 1\n", env={})
    assert config is None and problems
    assert all(len(str(p)) < 1_000 for p in problems)


def test_a_yaml_error_quotes_at_most_a_few_hundred_characters() -> None:
    """Regression (found by the 10,000-config run): a duplicate key's 4 KB value came back whole."""
    config, problems = check_text(f"a: 1\na: {'X' * 4000}\n", env={})
    assert config is None and problems
    assert all(len(str(p)) < 1_000 for p in problems)


def _cli(tmp_path: Path, text: str) -> None:
    path = tmp_path / "syncer.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code in (0, 2), result.output
    assert isinstance(result.exception, SystemExit | None)
    assert "Traceback" not in result.output


@settings(max_examples=25, **FUZZ_SETTINGS)
@given(configs)
def test_config_check_on_the_command_line_exits_0_or_2_never_a_traceback(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    _cli(tmp_path_factory.mktemp("cfg"), text)


@pytest.mark.slow
@settings(max_examples=500, **FUZZ_SETTINGS)
@given(configs)
def test_five_hundred_configs_through_the_command_line_never_a_traceback(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    _cli(tmp_path_factory.mktemp("cfg"), text)


@pytest.mark.parametrize("raw", [b"\xff\xfe org: x", b"org: \x80", b""])
def test_config_check_of_undecodable_or_empty_bytes_exits_2(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "syncer.yaml"
    path.write_bytes(raw)
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
