"""Run Azurite (the storage emulator from node_modules) for local runs and tests.

`python -m devhost.azurite run [--ports free|default] -- CMD ARGS...` starts Azurite in memory,
exports `AzureWebJobsStorage` for it, runs CMD and always stops Azurite afterwards.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, Literal
from urllib.parse import urlsplit

ACCOUNT_NAME = "devstoreaccount1"
# Azurite's published development key; it protects nothing.
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
LOOPBACK = "127.0.0.1"
START_TIMEOUT = 30.0
REPO_ROOT = Path(__file__).resolve().parent.parent

PortChoice = Literal["free", "default"]


class AzuriteError(RuntimeError):
    """Azurite could not be started; the message carries its own error output."""


@dataclass(frozen=True)
class AzuritePorts:
    blob: int
    queue: int
    table: int

    def all(self) -> tuple[int, int, int]:
        return (self.blob, self.queue, self.table)


DEFAULT_PORTS = AzuritePorts(10000, 10001, 10002)


def connection_string(ports: AzuritePorts, host: str = LOOPBACK) -> str:
    """The explicit form: works for every SDK and for any ports, unlike UseDevelopmentStorage."""
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};AccountKey={ACCOUNT_KEY};"
        f"BlobEndpoint=http://{host}:{ports.blob}/{ACCOUNT_NAME};"
        f"QueueEndpoint=http://{host}:{ports.queue}/{ACCOUNT_NAME};"
        f"TableEndpoint=http://{host}:{ports.table}/{ACCOUNT_NAME};"
    )


def port_answers(port: int, host: str = LOOPBACK, timeout: float = 0.25) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def answering_azurite(connection: str | None) -> bool:
    """True when `connection` names the Azurite account and its queue endpoint answers."""
    if not connection:
        return False
    parts = dict(p.split("=", 1) for p in connection.split(";") if "=" in p)
    if parts.get("UseDevelopmentStorage", "").lower() == "true":
        return port_answers(DEFAULT_PORTS.queue)
    if parts.get("AccountName") != ACCOUNT_NAME or "QueueEndpoint" not in parts:
        return False
    endpoint = urlsplit(parts["QueueEndpoint"])
    return port_answers(endpoint.port or 80, endpoint.hostname or LOOPBACK)


def free_ports() -> AzuritePorts:
    """Let the OS pick three free ports (all held at once, so they differ)."""
    sockets = [socket.socket() for _ in range(3)]
    try:
        for sock in sockets:
            sock.bind((LOOPBACK, 0))
        blob, queue, table = (sock.getsockname()[1] for sock in sockets)
    finally:
        for sock in sockets:
            sock.close()
    return AzuritePorts(blob, queue, table)


def azurite_executable() -> Path:
    configured = os.environ.get("AZURITE_BIN")
    path = Path(configured) if configured else REPO_ROOT / "node_modules" / ".bin" / "azurite"
    if not path.exists():
        raise AzuriteError(f"Azurite is not installed at {path}; run `npm ci` (or `make install`)")
    return path


class AzuriteProcess:
    """A running Azurite (or one found already running, which `stop()` then leaves alone)."""

    def __init__(
        self,
        ports: AzuritePorts,
        process: subprocess.Popen[bytes] | None = None,
        workspace: Path | None = None,
        stderr: IO[bytes] | None = None,
    ) -> None:
        self.ports = ports
        self.connection_string = connection_string(ports)
        self._process = process
        self._workspace = workspace
        self._stderr = stderr
        if process is not None:
            atexit.register(self.stop)

    @property
    def owned(self) -> bool:
        return self._process is not None

    def error_output(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace").strip()

    def stop(self) -> None:
        """Stop Azurite and everything it started (its whole process group)."""
        process, self._process = self._process, None
        if process is not None:
            _terminate_group(process)
            atexit.unregister(self.stop)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self._workspace is not None:
            shutil.rmtree(self._workspace, ignore_errors=True)
            self._workspace = None

    def __enter__(self) -> AzuriteProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _terminate_group(process: subprocess.Popen[bytes]) -> None:
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(grace)
            break
        except subprocess.TimeoutExpired:
            continue


def start_azurite(
    ports: PortChoice | AzuritePorts = "free",
    timeout: float = START_TIMEOUT,
    extra_arguments: Sequence[str] = (),
) -> AzuriteProcess:
    """Start Azurite in memory and return once blob, queue and table ports accept connections.

    With ports="default" an emulator already answering on 10000-10002 is reused. `extra_arguments`
    go to Azurite as they are (e.g. `--oauth basic --cert ... --key ...`).
    """
    if ports == "default" or ports == DEFAULT_PORTS:
        answering = [port_answers(port) for port in DEFAULT_PORTS.all()]
        if all(answering):
            return AzuriteProcess(DEFAULT_PORTS)
        if any(answering):
            raise AzuriteError(
                "Some of ports 10000-10002 are in use, but not by a complete Azurite; "
                "stop that process or use --ports free"
            )
    chosen = free_ports() if ports == "free" else DEFAULT_PORTS if ports == "default" else ports
    assert isinstance(chosen, AzuritePorts)
    return _launch(chosen, timeout, extra_arguments)


def _parent_death_signal() -> Callable[[], None] | None:
    """On Linux, make Azurite receive SIGTERM if its starter dies without cleaning up (kill -9).

    The libc function is looked up here, before forking, so the child only makes one call.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    set_parent_death_signal = 1  # PR_SET_PDEATHSIG

    def arrange() -> None:
        prctl(set_parent_death_signal, int(signal.SIGTERM))

    return arrange


def _launch(ports: AzuritePorts, timeout: float, extra_arguments: Sequence[str] = ()) -> AzuriteProcess:
    executable = azurite_executable()
    workspace = Path(tempfile.mkdtemp(prefix="azurite-"))
    stderr = tempfile.TemporaryFile()  # noqa: SIM115 - AzuriteProcess.stop() closes it
    command = [
        str(executable),
        "--inMemoryPersistence",
        "--skipApiVersionCheck",
        "--disableTelemetry",
        "--silent",
        "--blobPort",
        str(ports.blob),
        "--queuePort",
        str(ports.queue),
        "--tablePort",
        str(ports.table),
        *extra_arguments,
    ]  # no --location: Azurite refuses it together with --inMemoryPersistence; cwd is the scratch dir
    process = subprocess.Popen(
        command,
        cwd=workspace,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        start_new_session=True,  # its own process group: stop() can end node and its children
        preexec_fn=_parent_death_signal(),  # prctl only: safe between fork and exec
    )
    azurite = AzuriteProcess(ports, process, workspace, stderr)
    deadline = time.monotonic() + timeout
    while not all(port_answers(port) for port in ports.all()):
        if process.poll() is not None:
            output = azurite.error_output()
            azurite.stop()
            raise AzuriteError(f"Azurite exited with code {process.returncode}:\n{output}")
        if time.monotonic() > deadline:
            output = azurite.error_output()
            azurite.stop()
            raise AzuriteError(f"Azurite did not open ports {ports.all()} within {timeout:.0f}s:\n{output}")
        time.sleep(0.1)
    return azurite


def run_with_azurite(command: list[str], ports: PortChoice) -> int:
    """Run `command` with AzureWebJobsStorage pointing at Azurite; return its exit code."""
    try:
        azurite = start_azurite(ports)
    except AzuriteError as error:
        print(f"devhost.azurite: {error}", file=sys.stderr)
        return 1
    where = "reusing the one" if not azurite.owned else "started, in memory,"
    print(f"devhost.azurite: Azurite {where} on ports {azurite.ports.all()}", file=sys.stderr, flush=True)
    try:
        environment = {**os.environ, "AzureWebJobsStorage": azurite.connection_string}
        child = subprocess.Popen(command, env=environment)
        return _wait_forwarding_signals(child)
    except FileNotFoundError as error:
        print(f"devhost.azurite: cannot run {command[0]!r}: {error}", file=sys.stderr)
        return 127
    finally:
        azurite.stop()


def _wait_forwarding_signals(child: subprocess.Popen[bytes]) -> int:
    """Ctrl-C reaches the child through the terminal anyway; SIGTERM/SIGHUP are passed on."""

    def forward(signum: int, frame: FrameType | None) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    previous = {
        signal.SIGTERM: signal.signal(signal.SIGTERM, forward),
        signal.SIGHUP: signal.signal(signal.SIGHUP, forward),
        signal.SIGINT: signal.signal(signal.SIGINT, signal.SIG_IGN),
    }
    try:
        code = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 128 - code if code < 0 else code


USAGE = "usage: python -m devhost.azurite run [--ports free|default] -- CMD [ARGS...]"


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if "--" not in arguments or not arguments or arguments[0] != "run":
        print(USAGE, file=sys.stderr)
        return 2
    split = arguments.index("--")
    options, command = arguments[1:split], arguments[split + 1 :]
    ports: PortChoice = "free"
    if options:
        if len(options) != 2 or options[0] != "--ports" or options[1] not in ("free", "default"):
            print(USAGE, file=sys.stderr)
            return 2
        ports = "default" if options[1] == "default" else "free"
    if not command:
        print(USAGE, file=sys.stderr)
        return 2
    return run_with_azurite(command, ports)


if __name__ == "__main__":
    sys.exit(main())
