"""Operations alerting: failed runs, failed ERROR-severity or blocking checks and late assets
become messages in the outbox (topic ops_webhook), delivered to OPS_WEBHOOK_URL."""
