"""The two ways customers get converted: the `customer-sync` queue and the recurring batch (which
also publishes the customer events no instance published, and prunes the access log and the feed)."""

from __future__ import annotations

import logging

import azure.functions as func
from pydantic import ValidationError

from shared.bootstrap import AppDependencies
from shared.domain.sync import SYNC_QUEUE, SyncMessage
from shared.services.access_log import prune_access_log
from shared.services.conversion import convert_async_customer
from shared.services.conversion_batch import run_conversion_batch
from shared.services.event_publishing import sweep_events
from shared.services.privacy_requests import sweep_requests
from shared.services.retention import prune_channel_history
from shared.telemetry import invocation

logger = logging.getLogger(__name__)


def blueprint(app: AppDependencies) -> func.Blueprint:
    triggers = func.Blueprint()

    @triggers.function_name(name="convert_customer")
    @triggers.queue_trigger(arg_name="msg", queue_name=SYNC_QUEUE, connection="AzureWebJobsStorage")
    def convert_customer_from_queue(msg: func.QueueMessage, context: func.Context) -> None:
        """Failing here makes the host retry the message, and park it in the poison queue at last."""
        with invocation(context.invocation_id):
            _convert_from_queue(msg)

    def _convert_from_queue(msg: func.QueueMessage) -> None:
        try:
            message = SyncMessage.model_validate_json(msg.get_body())
        except ValidationError:
            logger.error("Message %s on %s is not a sync message; it will go to poison", msg.id, SYNC_QUEUE)
            raise
        outcome = convert_async_customer(
            app(), channel_id=message.channel_id, customer_id=message.customer_id
        )
        # A customer's conversion replays its pending addresses and edits too, so an address message
        # needs nothing more than its customer; its kind is logged for ops.
        logger.info(
            "Message %s (%s, delivery %s): customer %s of channel %s %s",
            msg.id,
            message.kind.value,
            msg.dequeue_count,
            message.customer_id,
            message.channel_id,
            outcome.value,
            extra={"channelId": message.channel_id, "customerId": message.customer_id},
        )

    @triggers.function_name(name="conversion_batch")
    @triggers.timer_trigger(arg_name="timer", schedule="%CONVERSION_SCHEDULE%", run_on_startup=False)
    def conversion_batch_on_schedule(timer: func.TimerRequest, context: func.Context) -> None:
        with invocation(context.invocation_id):
            if timer.past_due:
                logger.info("The conversion batch is running late")
            dependencies = app()
            run_conversion_batch(dependencies, trigger="timer")
            published, dropped = sweep_events(dependencies)
            if published or dropped:
                logger.info(
                    "Published the events of %d accounts; dropped %d old feed entries", published, dropped
                )
            sweep_requests(dependencies)
            history = prune_channel_history(dependencies)
            if any(history.values()):
                logger.info("Pruned channel history: %s", history)
            pruned = prune_access_log(dependencies)
            if pruned:
                logger.info("Pruned %d access log entries older than ACCESS_LOG_DAYS", pruned)

    return triggers
