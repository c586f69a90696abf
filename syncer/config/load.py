"""`load_config` and `check_config`: a file in; a validated `SyncerConfig` or every problem out.

The environment is read here and only here (`${VAR}` in any string value); `SYNCER_DATA_DIR`
defaults to the user data directory so a file like config/demo.yaml resolves without setup.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs
from pydantic import TypeAdapter, ValidationError

from syncer.config.problems import cross_problems, validation_problems
from syncer.config.schema import SyncerConfig
from syncer.config.sections import DEFAULT_TEMPLATE, AgendaSection
from syncer.config.source import parse_yaml, read_text
from syncer.errors import ConfigError, ConfigProblem

DATA_DIR_VAR = "SYNCER_DATA_DIR"
_TEMPLATE_PATH = ("agenda", "template")


def default_data_dir() -> Path:
    """Where syncer keeps its files when SYNCER_DATA_DIR is not set (per-user data directory)."""
    return Path(platformdirs.user_data_dir("syncer"))


def config_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables `${VAR}` may name: `env` (default: the process's), plus SYNCER_DATA_DIR."""
    out = dict(os.environ if env is None else env)
    out.setdefault(DATA_DIR_VAR, str(default_data_dir()))
    return out


def load_config(path: str | Path, env: Mapping[str, str] | None = None) -> SyncerConfig:
    """Read and validate the admin's config. Raises ConfigError carrying every problem found."""
    config, problems = check_config(path, env)
    if config is None:
        raise ConfigError(problems, source=str(path))
    return config


def check_config(
    path: str | Path, env: Mapping[str, str] | None = None
) -> tuple[SyncerConfig | None, list[ConfigProblem]]:
    """Validate a config file without raising: (config, []) or (None, problems sorted by line).

    Each problem's str() is the line an admin reads: `people[2].timezone (line 14): ...`.
    """
    path = Path(path)
    text, problem = read_text(path)
    if text is None:
        return None, [problem] if problem else []
    return check_text(text, env, base_dir=path.parent)


def check_text(
    text: str, env: Mapping[str, str] | None = None, base_dir: Path | None = None
) -> tuple[SyncerConfig | None, list[ConfigProblem]]:
    """`check_config` on text; relative file paths in it are relative to `base_dir`."""
    variables = config_env(env)
    source = parse_yaml(text, variables)
    if source.data is None:
        return None, source.problems
    problems = [*source.problems, *cross_problems(source.data, source.lines)]
    config: SyncerConfig | None = None
    try:
        config = SyncerConfig.model_validate(source.data)
    except ValidationError as e:
        problems += validation_problems(
            e, SyncerConfig, source.data, source.lines, source.env_paths
        )
    if config is not None and _TEMPLATE_PATH not in source.env_paths:
        template = config.agenda.template
        if isinstance(template, str) and template != DEFAULT_TEMPLATE:
            sections, template_problems = _template_file(template, base_dir, variables)
            line = source.lines.of(_TEMPLATE_PATH)
            problems += [
                ConfigProblem("agenda.template", f"{_inside(template, p)}: {p.message}", line)
                for p in template_problems
            ]
            config._template_from_file = sections
    problems.sort(key=lambda p: p.line or 0)
    return (config, []) if not problems else (None, problems)


def _inside(file: str, problem: ConfigProblem) -> str:
    """Where in the template file: `agenda.yaml [1].heading (line 4)`."""
    where = f"{file} {problem.path}" if problem.path else file
    return f"{where} (line {problem.line})" if problem.line is not None else where


def _template_file(
    name: str, base_dir: Path | None, env: Mapping[str, str]
) -> tuple[tuple[AgendaSection, ...] | None, list[ConfigProblem]]:
    """Read an agenda template file: a YAML list of {heading, prompts}."""
    path = Path(name).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    text, problem = read_text(path)
    if text is None:
        return None, [problem] if problem else []
    source = parse_yaml(text, env, top=list)
    if source.problems or source.data is None:
        return None, source.problems
    try:
        sections = TypeAdapter(tuple[AgendaSection, ...]).validate_python(source.data)
    except ValidationError as e:
        return None, validation_problems(e, None, source.data, source.lines, source.env_paths)
    return sections, []
