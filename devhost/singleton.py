"""The singleton listener lock: one host at a time runs a timer, as the Functions host does.

Every host that shares a storage account and a host id tries to lease one blob per timer,
`azure-webjobs-hosts/locks/<host id>/<function id>.Listener`. The holder renews the lease while it
runs and releases it when it stops; the others try again every
`singleton.listenerLockRecoveryPollingInterval` and take over once the lease is free or lapsed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path

from azure.core.exceptions import AzureError, HttpResponseError, ResourceExistsError
from azure.storage.blob import BlobLeaseClient, ContainerClient, ExponentialRetry

from devhost.host_config import SingletonOptions

logger = logging.getLogger("devhost")

LOCK_CONTAINER = "azure-webjobs-hosts"
HOST_ID_SETTING = "AzureFunctionsWebHost__hostid"
MAX_HOST_ID_LENGTH = 32


def host_id(script_root: Path, environ: Mapping[str, str] | None = None) -> str:
    """`AzureFunctionsWebHost__hostid` when set; else what Core Tools computes, the machine name
    and a stable hash of the script root, so every host of one app folder on one machine shares
    its locks."""
    source = os.environ if environ is None else environ
    configured = source.get(HOST_ID_SETTING, "").strip()
    if configured:
        return configured
    machine = "".join(c for c in socket.gethostname() if c.isascii() and c.isalnum())
    generated = f"{machine}-{abs(stable_hash(str(script_root.resolve())))}"
    return generated[:MAX_HOST_ID_LENGTH].lower().rstrip("-")


def stable_hash(text: str) -> int:
    """The host's Utility.GetStableHash: 23, then `hash * 31 + char` over UTF-16 code units, in
    32-bit two's-complement arithmetic."""
    value = 23
    for unit in memoryview(text.encode("utf-16-le")).cast("H"):
        value = (value * 31 + unit) & 0xFFFFFFFF
    return value - (1 << 32) if value >= (1 << 31) else value


def listener_lock_blob(host: str, function_name: str) -> str:
    return f"locks/{host}/Host.Functions.{function_name}.Listener"


class ListenerLock:
    """One timer's lease; `held` is true from acquisition until it is lost or released."""

    def __init__(self, connection_string: str, blob_name: str, options: SingletonOptions) -> None:
        self.blob_name = blob_name
        self._options = options
        self._container = ContainerClient.from_connection_string(
            connection_string,
            LOCK_CONTAINER,
            retry_policy=ExponentialRetry(initial_backoff=1, increment_base=2, retry_total=2),
            connection_timeout=5,
            read_timeout=10,
        )
        self._blob = self._container.get_blob_client(blob_name)
        self._lease: BlobLeaseClient | None = None
        self._held = threading.Event()
        self._stop_renewing = threading.Event()
        self._renewer: threading.Thread | None = None

    @property
    def held(self) -> bool:
        return self._held.is_set()

    def wait_until_acquired(self, stop: threading.Event) -> bool:
        """Try now, then every recovery interval, until the lease is ours (True) or `stop` is set."""
        while not stop.is_set():
            if self._try_acquire():
                return True
            stop.wait(self._options.listener_lock_recovery_polling_interval)
        return False

    def wait_lost(self, timeout: float) -> bool:
        """Sleep up to `timeout`; True as soon as the lease is no longer held."""
        if not self._held.is_set():
            return True
        self._stop_renewing.wait(timeout)
        return not self._held.is_set()

    def release(self) -> None:
        """Give the lease back at shutdown, so another host takes over without waiting it out."""
        self._stop_renewing.set()
        if self._renewer is not None:
            self._renewer.join(5)
        lease, self._lease = self._lease, None
        if lease is not None and self._held.is_set():
            with suppress(AzureError):
                lease.release()
        self._held.clear()
        self._container.close()

    def _try_acquire(self) -> bool:
        try:
            self._ensure_blob()
            lease = BlobLeaseClient(self._blob)
            lease.acquire(lease_duration=round(self._options.listener_lock_period))
        except HttpResponseError as error:
            if error.status_code == 409:  # another host holds it
                return False
            logger.warning("Could not take the singleton lock %s (%s)", self.blob_name, type(error).__name__)
            return False
        except AzureError as error:
            logger.warning("Could not take the singleton lock %s (%s)", self.blob_name, type(error).__name__)
            return False
        self._lease = lease
        self._held.set()
        self._stop_renewing.clear()
        self._renewer = threading.Thread(
            target=self._renew_until_stopped, name=f"devhost-lease-{self.blob_name}", daemon=True
        )
        self._renewer.start()
        logger.info("Took the singleton lock %s", self.blob_name)
        return True

    def _ensure_blob(self) -> None:
        """The lock blob is created empty on first use; a leased blob cannot be overwritten."""
        if self._blob.exists():
            return
        with suppress(ResourceExistsError):
            self._container.create_container()
        with suppress(ResourceExistsError, HttpResponseError):
            self._blob.upload_blob(b"", overwrite=False)

    def _renew_until_stopped(self) -> None:
        # Renew well inside the lease period, as the host does, so one slow call does not lose it.
        interval = self._options.listener_lock_period / 2
        while not self._stop_renewing.wait(interval):
            lease = self._lease
            if lease is None:
                return
            try:
                lease.renew()
            except AzureError as error:
                logger.warning("Lost the singleton lock %s (%s)", self.blob_name, type(error).__name__)
                self._held.clear()
                self._stop_renewing.set()
                return
