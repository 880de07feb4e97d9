"""The two kinds of expected failure, and the CLI's exit code for each.

InputError: the input is wrong (arguments, config, rows, rules, files, env values): exit 2.
ServiceUnavailableError: a service we depend on is down, stopped answering or timed out;
the input may be fine and a retry later may succeed: exit 1.
"""


class InputError(ValueError):
    """Bad input (arguments, config, rows, rules): the message names the field."""


class ServiceUnavailableError(RuntimeError):
    """A service (the warehouse server, a lock holder) is unavailable: nothing was written."""
