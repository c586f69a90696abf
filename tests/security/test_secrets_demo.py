"""A whole `syncer demo` (both emulators, the service with its workers and web app), then a
scan of everything it left for the secrets it used: every line it printed, every log line of
the service, the report in json/csv/table, the audit log, and every key and value it stored
in Redis. Zero hits. The demo's event descriptions never reach a log either.

Secrets scanned for: the Microsoft app's client secret, the Google service account's private
key (id and key material), and any bearer token or JWT (the emulators issue them per run, so
they are caught by shape: `Bearer <token>` and `eyJ...` not followed by `[redacted]`); and,
everywhere but Redis (where they must be, to check notifications), the push channel tokens
and Graph clientStates the service opened.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import redis as redis_lib
from click.testing import CliRunner

from syncer.cli import cli
from syncer.demo.run import CLIENT_SECRET

ROOT = Path(__file__).resolve().parents[2]
BEARER = re.compile(r"(?i)bearer\s+(?!\[redacted\])[A-Za-z0-9\-._~+/]{8,}")
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.")
# Text the demo's people write into descriptions (syncer/demo/scenario.py): never in a log.
BODY_WORDS = ("standing notes: bring the roadmap", "weekly sync — ünïcødé")


def _value(client: redis_lib.Redis, name: bytes) -> object:
    kind = client.type(name).decode()
    if kind == "string":
        return client.get(name)
    if kind == "hash":
        return client.hgetall(name)
    if kind == "list":
        return client.lrange(name, 0, -1)
    if kind == "set":
        return client.smembers(name)
    if kind == "zset":
        return client.zrange(name, 0, -1, withscores=True)
    if kind == "stream":
        return client.xrange(name)
    return kind


def _channel_tokens(client: redis_lib.Redis) -> list[str]:
    """The push channel tokens / Graph clientStates the demo's service opened: they belong in
    Redis (to check notifications) and nowhere else."""
    tokens = []
    for name in client.scan_iter(match="syncer:*demo*:channels", count=1000):
        tokens += [json.loads(raw)["token"] for raw in client.hvals(name)]
    return tokens


def _scan(where: str, text: str, secrets: list[str]) -> list[str]:
    hits = [f"{where}: {s[:12]}..." for s in secrets if s and s in text]
    hits += [f"{where}: bearer {m.group(0)[:20]}" for m in BEARER.finditer(text)]
    hits += [f"{where}: jwt {m.group(0)[:20]}" for m in JWT.finditer(text)]
    return hits


def test_a_whole_demo_leaves_no_secret_in_logs_reports_audit_or_redis(
    tmp_path: Path, redis_url: str
) -> None:
    env = {**os.environ, "SYNCER_DATA_DIR": str(tmp_path), "REDIS_URL": redis_url}
    run = subprocess.run(
        [str(Path(sys.executable).parent / "syncer"), "demo"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    sandbox = tmp_path / "sandbox"
    key = json.loads((sandbox / "google-sa.json").read_text())
    material = [line for line in key["private_key"].splitlines() if "-----" not in line and line]
    secrets = [CLIENT_SECRET, key["private_key_id"], *material]
    texts = {"demo stdout": run.stdout, "demo stderr": run.stderr}
    for log in sandbox.glob("*.log"):
        texts[log.name] = log.read_text(errors="replace")
    assert any("apply." in t or "job" in t for t in texts.values())  # the logs were there
    config = str(sandbox / "demo.yaml")
    runner = CliRunner(env=env)
    for fmt in ("json", "csv", "table"):
        answer = runner.invoke(cli, ["report", "-c", config, "--format", fmt])
        assert answer.exit_code in (0, 1), answer.output
        texts[f"report {fmt}"] = answer.output
    for fmt in ("json", "table"):
        answer = runner.invoke(cli, ["audit", "-c", config, "--format", fmt])
        assert answer.exit_code == 0, answer.output
        texts[f"audit {fmt}"] = answer.output
    client = redis_lib.Redis.from_url(redis_url)
    stored = []
    for name in client.scan_iter(match="*demo*", count=1000):
        stored.append(f"{name!r} {_value(client, name)!r}")
    assert stored
    texts["redis"] = "\n".join(stored)
    hits = [hit for where, text in texts.items() for hit in _scan(where, text, secrets)]
    assert hits == []
    tokens = _channel_tokens(client)
    assert len(tokens) >= 2  # the demo opened channels on both providers
    outside = [hit for w, t in texts.items() if w != "redis" for hit in _scan(w, t, tokens)]
    assert outside == []
    logs = "\n".join(
        t for w, t in texts.items() if w.endswith(".log") or w in ("redis", "demo stderr")
    )
    assert not any(word in logs for word in BODY_WORDS)
