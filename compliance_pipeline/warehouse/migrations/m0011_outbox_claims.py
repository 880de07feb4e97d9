"""Outbox leases: a delivery pass claims the messages it will send, so two passes never send one twice."""

VERSION = 11


def statements(backend: str) -> list[str]:
    return [
        # Set by the claiming pass; a lease that ran out (the pass crashed) frees the message again.
        "ALTER TABLE outbox ADD COLUMN claimed_until TIMESTAMPTZ",
        "ALTER TABLE outbox ADD COLUMN claimed_by TEXT",
    ]
