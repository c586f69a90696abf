"""Run the Google emulator as a process.

    python -m syncer.sandbox.google --port 8443 --data DIR [--tls] [--domain example.com]

DIR receives ``endpoint.json`` (base_url, ca_certs, key_file), ``service-account.json`` (a
key whose token_uri is this server) and, with --tls, the CA and server certificate. The state
is in memory; seed it through ``POST /_sandbox/{action}`` (see control.py).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..tls import ensure_tls_files
from .server import GoogleSandbox
from .state import GoogleState


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m syncer.sandbox.google")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with the sandbox CA")
    parser.add_argument("--domain", default="example.com")
    parser.add_argument("--service-account", default="syncer@sandbox.iam.gserviceaccount.com")
    args = parser.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    tls = ensure_tls_files(args.data / "tls") if args.tls else None
    sandbox = GoogleSandbox(GoogleState(args.domain), host=args.host, port=args.port, tls=tls)
    base_url = sandbox.start()
    key_file = args.data / "service-account.json"
    key_file.write_text(json.dumps(sandbox.state.issue_service_account(args.service_account)))
    key_file.chmod(0o600)
    endpoint = {
        "base_url": base_url,
        "ca_certs": str(tls.ca_cert) if tls else None,
        "key_file": str(key_file),
    }
    (args.data / "endpoint.json").write_text(json.dumps(endpoint, indent=2))
    print(json.dumps(endpoint), flush=True)
    sandbox.run_until_signalled()


if __name__ == "__main__":
    main()
