"""CLI subcommands of the over_cap domain."""


def register(sub) -> None:
    pass
