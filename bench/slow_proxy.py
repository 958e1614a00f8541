"""A TCP proxy on loopback that holds every request for a fixed time: HQ as seen over a slow WAN."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

BUFFER = 65536


@contextmanager
def slow_proxy(target_port: int, *, delay_seconds: float) -> Iterator[int]:
    """Forwards 127.0.0.1:<port> to 127.0.0.1:`target_port`, holding each chunk the client sends for
    `delay_seconds`; yields the port. Every storage round trip through it takes that much longer."""
    listener = socket.create_server(("127.0.0.1", 0))
    stopping = threading.Event()

    def pipe(source: socket.socket, sink: socket.socket, delay: float) -> None:
        with suppress(OSError):
            while data := source.recv(BUFFER):
                if delay:
                    time.sleep(delay)
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def serve() -> None:
        while not stopping.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", target_port))
            threading.Thread(target=pipe, args=(client, upstream, delay_seconds), daemon=True).start()
            threading.Thread(target=pipe, args=(upstream, client, 0.0), daemon=True).start()

    threading.Thread(target=serve, name="bench-slow-proxy", daemon=True).start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stopping.set()
        listener.close()
