"""CLI subcommands of the alerts domain."""


def register(sub) -> None:
    pass
