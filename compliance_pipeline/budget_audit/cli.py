"""CLI subcommands of the budget_audit domain."""


def register(sub) -> None:
    pass
