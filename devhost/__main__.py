"""`python -m devhost`: serve the app like `func start` does."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from devhost.errors import HostStartupError
from devhost.host import LocalHost

LOCAL_ADMIN_API_KEY = "dev-admin-key"


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devhost", description=__doc__)
    parser.add_argument("--port", type=int, default=7071, help="HTTP port (default 7071, 0 = any free)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--script-root", type=Path, default=Path("."), help="folder with host.json")
    parser.add_argument("--app-module", default="function_app", help="module defining the FunctionApp")
    return parser.parse_args(argv)


def default_admin_key() -> None:
    """The admin API needs a key; a fixed one is fine on a laptop and nowhere else."""
    if os.environ.get("ADMIN_API_KEY"):
        return
    os.environ["ADMIN_API_KEY"] = LOCAL_ADMIN_API_KEY
    print(
        f"WARNING: ADMIN_API_KEY is not set; using '{LOCAL_ADMIN_API_KEY}'. "
        "This default is for local runs only - never deploy it.",
        file=sys.stderr,
        flush=True,
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO, format="[%(asctime)s] %(levelname)s %(name)s: %(message)s")
    # The storage SDK logs every HTTP exchange at INFO; the real host keeps that out of the console.
    logging.getLogger("azure").setLevel(logging.WARNING)
    default_admin_key()
    if not is_loopback(arguments.host) and os.environ.get("ADMIN_API_KEY") == LOCAL_ADMIN_API_KEY:
        print(
            f"Refusing to listen on {arguments.host} with the development admin key "
            f"'{LOCAL_ADMIN_API_KEY}': anyone who can reach this machine would be admin. "
            "Set ADMIN_API_KEY to a secret, or listen on 127.0.0.1.",
            file=sys.stderr,
        )
        return 2

    stop_requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    host = LocalHost(
        script_root=arguments.script_root,
        port=arguments.port,
        app_module=arguments.app_module,
        host=arguments.host,
    )
    try:
        host.start()
    except HostStartupError as error:
        print(f"Host start-up failed: {error}", file=sys.stderr)
        return 1

    print("\nFunctions:\n")
    public_url = host.base_url.replace("//127.0.0.1:", "//localhost:")
    for line in host.describe(public_url):
        print(f"        {line}\n")
    print(f"Host started: {public_url}", flush=True)
    print(
        "Function keys are checked as in Azure: authLevel function or admin needs x-functions-key or ?code=.",
        flush=True,
    )

    while not stop_requested.wait(0.5):
        pass
    print("Stopping host...", flush=True)
    host.stop()
    print("Host stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
