"""Errors that mean "the input is wrong": the CLI maps them to exit code 2."""


class InputError(ValueError):
    """Bad input (arguments, config, rows, rules): the message names the field."""
