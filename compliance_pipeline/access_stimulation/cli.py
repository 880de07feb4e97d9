"""CLI subcommands of the access_stimulation domain."""


def register(sub) -> None:
    pass
