"""ops_webhook_delivery_job: POST queued operations messages to OPS_WEBHOOK_URL."""


import dagster as dg

from compliance_pipeline.ops.messages import TOPIC
from compliance_pipeline.ops.resources import OpsWebhookResource
from compliance_pipeline.outbox.metadata import delivery_step
from compliance_pipeline.warehouse.resource import WarehouseResource


@dg.op(out=dg.Out(dict, description="delivery counts of this run"))
def deliver_ops_messages(context: dg.OpExecutionContext, warehouse: WarehouseResource,
                         ops_webhook: OpsWebhookResource) -> dg.Output[dict]:
    report, metadata = delivery_step(context.log, warehouse.get(), topic=TOPIC,
                                     send=ops_webhook.sender(), settings="OPS_WEBHOOK_URL")
    return dg.Output({"attempted": report.attempted, "outbox": report.outbox}, metadata=metadata)


# A few HTTP calls: steps run in the run's process (no subprocess start per step).
@dg.job(name="ops_webhook_delivery_job", executor_def=dg.in_process_executor,
        description="Send queued operations messages (failed runs, failed ERROR or blocking checks, "
                    "late assets) to OPS_WEBHOOK_URL; retries follow the outbox's backoff.")
def ops_webhook_delivery_job():
    deliver_ops_messages()
