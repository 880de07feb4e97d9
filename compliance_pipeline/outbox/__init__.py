"""A transactional outbox: nothing sent to another system is lost while that system is down.

A producer calls `enqueue` inside the same transaction as the change it announces, so
the message exists exactly when the change does. A delivery step (`deliver_due`) later
sends what is due, one message at a time, and records the outcome:

    pending --2xx--> sent (remote_ref stored)      never sent again
    pending --5xx / network error--> pending       retried with exponential backoff
    pending --4xx--> failed (response text kept)   a person must look

A pass leases the messages it sends (claimed_until / claimed_by), so passes running at once never
send one message twice; every HTTP call has a total deadline and a pass gives up on its receiver
after a few consecutive network failures (`settings.DeliverySettings`, from the environment).
"""

from compliance_pipeline.outbox.delivery import SendResult, deliver_due
from compliance_pipeline.outbox.report import DeliveryReport, deliver_and_report
from compliance_pipeline.outbox.settings import DeliverySettings
from compliance_pipeline.outbox.store import (
    OutboxMessage,
    enqueue,
    enqueue_many,
    list_messages,
    status_counts,
)

__all__ = ["DeliveryReport", "DeliverySettings", "OutboxMessage", "deliver_and_report", "SendResult", "deliver_due", "enqueue", "enqueue_many", "list_messages", "status_counts"]
