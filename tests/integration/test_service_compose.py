"""docker-compose.yml and the Dockerfile describe a service the CLI can actually run."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from syncer.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    data = YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def _compose_command() -> list[str] | None:
    """`docker compose` (v2), else the standalone `docker-compose` (Debian's package, which
    validates against the compose-spec schema it bundles), else None."""
    if shutil.which("docker") is not None:
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


@pytest.mark.skipif(_compose_command() is None, reason="no docker compose here")
def test_docker_compose_accepts_the_file() -> None:
    command = _compose_command() or []
    checked = subprocess.run([*command, "config", "-q"], cwd=ROOT, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_compose_has_redis_with_aof_on_a_volume_and_the_three_roles() -> None:
    services = compose()["services"]
    assert set(services) == {"redis", "web", "worker", "scheduler"}
    redis = services["redis"]
    assert "--appendonly" in redis["command"] and "yes" in redis["command"]
    volume = next(v for v in redis["volumes"] if v.endswith(":/data"))
    assert volume.split(":")[0] in compose()["volumes"]
    for role in ("web", "worker", "scheduler"):
        service = services[role]
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:")
        assert any(v.endswith(":ro") and "syncer.yaml" in v for v in service["volumes"])
        assert "ports" not in service or role == "web"
    assert "replicas" not in services["worker"].get("deploy", {})  # scaled with --scale


def test_every_command_compose_runs_exists_in_the_cli() -> None:
    runner = CliRunner()
    for role in ("web", "worker", "scheduler"):
        command = compose()["services"][role]["command"]
        assert command[0] == role
        result = runner.invoke(cli, [command[0], "--help"])
        assert result.exit_code == 0, result.output
        for option in (a for a in command[1:] if a.startswith("-")):
            assert option in result.output, (role, option)


def test_the_image_runs_syncer_and_bakes_in_no_config() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["syncer"' in dockerfile
    assert "config/" not in dockerfile and ".yaml" not in dockerfile
    assert CliRunner().invoke(cli, ["--log-json", "redis", "--help"]).exit_code == 0
