"""The outbox's topics, one per receiving system: producers and delivery steps name them from here."""

ERPNEXT_TODO = "erpnext_todo"  # access-stimulation flags and monthly notices -> ERPNext ToDos
ALERT_WEBHOOK = "alert_webhook"  # alert onsets and clears -> ALERT_WEBHOOK_URL
OPS_WEBHOOK = "ops_webhook"  # failed runs and checks, late assets -> the operations webhook
