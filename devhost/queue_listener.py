"""Queue triggers with the Storage extension's semantics: batches, retries, poison queue."""

from __future__ import annotations

import logging
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from azure.functions.queue import QueueMessage as TriggerMessage
from azure.storage.queue import QueueClient
from azure.storage.queue import QueueMessage as StoredMessage

from devhost.host_config import QueueOptions
from devhost.indexing import FunctionSpec
from devhost.invoker import Invoker, log_invocation
from devhost.storage import QueueClients, decode_message

logger = logging.getLogger("devhost")

FASTEST_POLL = 0.1
# Received messages stay invisible this long; functionTimeout (at most 10 min) ends sooner.
RECEIVE_VISIBILITY_TIMEOUT = 600
MAX_MESSAGES_PER_RECEIVE = 32  # the Queue service's own limit


def poison_queue_name(queue_name: str) -> str:
    return f"{queue_name}-poison"


class QueueListener:
    """Polls one queue for one function and settles every message it receives."""

    def __init__(
        self,
        spec: FunctionSpec,
        connection_string: str,
        queue_name: str,
        options: QueueOptions,
        invoker: Invoker,
        clients: QueueClients,
    ) -> None:
        self.spec = spec
        self.queue_name = queue_name
        self._connection_string = connection_string
        self._options = options
        self._invoker = invoker
        self._clients = clients
        self._stop = threading.Event()
        self._capacity = threading.Condition()
        self._in_flight = 0
        self._workers = ThreadPoolExecutor(
            max_workers=max(1, options.batch_size + options.new_batch_threshold),
            thread_name_prefix=f"devhost-queue-{spec.name}",
        )
        self._thread = threading.Thread(
            target=self._poll_until_stopped, name=f"devhost-poll-{spec.name}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop_polling(self) -> None:
        self._stop.set()
        with self._capacity:
            self._capacity.notify_all()

    def join(self, timeout: float) -> None:
        """Wait (up to `timeout`) for the poller and for messages already handed to the function."""
        deadline = time.monotonic() + timeout
        if self._thread.ident is not None:
            self._thread.join(timeout)
        with self._capacity:
            self._capacity.wait_for(lambda: self._in_flight == 0, max(0.0, deadline - time.monotonic()))
        self._workers.shutdown(wait=False)

    def _queue(self) -> QueueClient:
        return self._clients.get(self._connection_string, self.queue_name)

    def _poll_until_stopped(self) -> None:
        delay = FASTEST_POLL
        while not self._stop.is_set():
            if not self._wait_for_capacity():
                return
            try:
                messages = self._receive_batch()
            except Exception as error:
                logger.warning(
                    "Polling queue '%s' for 'Functions.%s' failed (%s); retrying in %.1fs",
                    self.queue_name,
                    self.spec.name,
                    type(error).__name__,
                    delay,
                )
                self._stop.wait(delay)
                delay = self._slower(delay)
                continue
            if not messages:
                self._stop.wait(delay)
                delay = self._slower(delay)
                continue
            delay = FASTEST_POLL
            for message in messages:
                with self._capacity:
                    self._in_flight += 1
                self._workers.submit(self._settle, message)

    def _slower(self, delay: float) -> float:
        return min(delay * 2, max(self._options.max_polling_interval, FASTEST_POLL))

    def _wait_for_capacity(self) -> bool:
        """Fetch a new batch only once in-flight messages drop to newBatchThreshold."""
        with self._capacity:
            self._capacity.wait_for(
                lambda: self._stop.is_set() or self._in_flight <= self._options.new_batch_threshold
            )
        return not self._stop.is_set()

    def _receive_batch(self) -> list[StoredMessage]:
        count = min(self._options.batch_size, MAX_MESSAGES_PER_RECEIVE)
        return list(
            self._queue().receive_messages(
                messages_per_page=count,
                max_messages=count,
                visibility_timeout=RECEIVE_VISIBILITY_TIMEOUT,
            )
        )

    def _settle(self, message: StoredMessage) -> None:
        try:
            self._process(message)
        except Exception as error:
            logger.error(
                "Queue '%s': could not settle message '%s' (%s); it reappears when its "
                "visibility timeout ends",
                self.queue_name,
                message.id,
                type(error).__name__,
                exc_info=error,
            )
        finally:
            with self._capacity:
                self._in_flight -= 1
                self._capacity.notify_all()

    def _process(self, message: StoredMessage) -> None:
        dequeue_count = message.dequeue_count or 1
        limit = self._options.max_dequeue_count
        if dequeue_count > limit:
            self._move_to_poison(message, f"dequeue count {dequeue_count} exceeds {limit}")
            return
        try:
            body = decode_message(message.content or "", self._options.message_encoding)
        except ValueError:
            self._move_to_poison(message, "its content is not valid base64")
            return

        result = self._invoker.invoke(self.spec, _trigger_message(message, body, dequeue_count))
        log_invocation(self.spec, result, details={"MessageId": message.id, "DequeueCount": dequeue_count})
        if result.succeeded:
            self._queue().delete_message(message)
        elif dequeue_count >= limit:
            self._move_to_poison(message, f"it failed {dequeue_count} times")
        else:
            self._queue().update_message(
                message, visibility_timeout=math.ceil(self._options.visibility_timeout)
            )

    def _move_to_poison(self, message: StoredMessage, reason: str) -> None:
        poison = poison_queue_name(self.queue_name)
        self._clients.get(self._connection_string, poison).send_message(message.content)
        self._queue().delete_message(message)
        logger.warning(
            "Message '%s' moved from queue '%s' to '%s' because %s",
            message.id,
            self.queue_name,
            poison,
            reason,
        )


def _trigger_message(message: StoredMessage, body: bytes, dequeue_count: int) -> TriggerMessage:
    return TriggerMessage(
        id=message.id,
        body=body,
        dequeue_count=dequeue_count,
        insertion_time=message.inserted_on,
        expiration_time=message.expires_on,
        time_next_visible=message.next_visible_on,
        pop_receipt=message.pop_receipt,
    )
