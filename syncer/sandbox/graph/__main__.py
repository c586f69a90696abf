"""Run the Graph emulator as a process.

    python -m syncer.sandbox.graph --port 8444 --data DIR [--domain example.com]

It always serves HTTPS (msal insists): DIR/tls receives the local CA (kept across starts) and
the server certificate. DIR/endpoint.json gets base_url, authority, tenant_id, client_id,
client_secret and ca_certs. The state is in memory; seed it through ``POST /_sandbox/...``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..tls import ensure_tls_files
from .server import GraphSandbox
from .state import GraphState


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m syncer.sandbox.graph")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--domain", default="example.com")
    parser.add_argument("--tenant-id", default=None)
    parser.add_argument("--client-id", default=None)
    args = parser.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    tls = ensure_tls_files(args.data / "tls")
    state = GraphState(args.domain, args.tenant_id)
    sandbox = GraphSandbox(state, host=args.host, port=args.port, tls=tls)
    base_url = sandbox.start()
    client_id, secret = state.register_app(args.client_id)
    endpoint = {
        "base_url": base_url,
        "authority": sandbox.authority,
        "tenant_id": state.tenant_id,
        "client_id": client_id,
        "client_secret": secret,
        "ca_certs": str(tls.ca_cert),
    }
    out = args.data / "endpoint.json"
    out.write_text(json.dumps(endpoint, indent=2))
    out.chmod(0o600)
    print(json.dumps({k: v for k, v in endpoint.items() if k != "client_secret"}), flush=True)
    sandbox.run_until_signalled()


if __name__ == "__main__":
    main()
