"""The command lines: `python -m devhost` and `python -m devhost.azurite run`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import httpx

from devhost.azurite import port_answers
from tests.devhost.helpers import (
    REPO_ROOT,
    SAMPLE_APP,
    devhost_process,
    sample_settings,
)


def test_devhost_cli_lists_functions_serves_and_stops_on_sigterm(storage_connection_string: str) -> None:
    settings = sample_settings(storage_connection_string, TICK_KEY="cli")
    with devhost_process(settings) as host:
        banner = host.banner
        assert "ADMIN_API_KEY is not set; using 'dev-admin-key'" in banner
        assert re.search(r"item: \[GET,POST\] http://localhost:\d+/api/items/\{id:int\}", banner)
        assert f"accept_message: queueTrigger (queue: {settings['OK_QUEUE']})" in banner
        assert "tick: timerTrigger (schedule: %TICK_SCHEDULE%)" in banner

        assert httpx.get(f"{host.base_url}/api/text").text == "plain words"
        host.process.send_signal(signal.SIGTERM)
        assert host.process.wait(timeout=10) == 0


def test_azurite_runner_exports_connection_and_passes_exit_code() -> None:
    probe = (
        "import os, sys; s = os.environ['AzureWebJobsStorage']; print(s); "
        "sys.exit(3 if 'QueueEndpoint=http://127.0.0.1:' in s else 1)"
    )
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "devhost.azurite",
            "run",
            "--ports",
            "free",
            "--",
            sys.executable,
            "-c",
            probe,
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 3, finished.stderr
    endpoint = re.search(r"QueueEndpoint=http://127\.0\.0\.1:(\d+)/", finished.stdout)
    assert endpoint, finished.stdout
    assert not port_answers(int(endpoint.group(1))), "Azurite should be stopped after the command"


def test_devhost_refuses_a_public_address_with_the_development_admin_key() -> None:
    environment = {k: v for k, v in os.environ.items() if k != "ADMIN_API_KEY"}
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "devhost",
            "--host",
            "0.0.0.0",
            "--port",
            "0",
            "--script-root",
            str(SAMPLE_APP),
        ],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert "Refusing to listen on 0.0.0.0 with the development admin key" in finished.stderr
