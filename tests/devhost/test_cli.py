"""The command lines: `python -m devhost` and `python -m devhost.azurite run`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from devhost.azurite import port_answers
from tests.devhost.helpers import QUIET_SCHEDULE, SAMPLE_APP, unique_name

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_devhost_cli_lists_functions_serves_and_stops_on_sigterm(storage_connection_string: str) -> None:
    environment = {
        **{k: v for k, v in os.environ.items() if k != "ADMIN_API_KEY"},
        "AzureWebJobsStorage": storage_connection_string,
        "OK_QUEUE": unique_name("ok"),
        "ECHO_QUEUE": unique_name("echo"),
        "FAIL_QUEUE": unique_name("fail"),
        "TICK_SCHEDULE": QUIET_SCHEDULE,
        "TICK_KEY": "cli",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "devhost", "--port", "0", "--script-root", str(SAMPLE_APP)]
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = []
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if line.startswith("Host started:"):
                break
        banner = "".join(output)
        started = re.search(r"Host started: (http://localhost:\d+)", banner)
        assert started, banner
        assert "ADMIN_API_KEY is not set; using 'dev-admin-key'" in banner
        assert re.search(r"item: \[GET,POST\] http://localhost:\d+/api/items/\{id:int\}", banner)
        assert f"accept_message: queueTrigger (queue: {environment['OK_QUEUE']})" in banner
        assert "tick: timerTrigger (schedule: %TICK_SCHEDULE%)" in banner

        assert httpx.get(f"{started.group(1)}/api/text").text == "plain words"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


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
