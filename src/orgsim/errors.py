"""Errors users can cause, reported by the CLI as one line and exit code 2."""


class InputError(ValueError):
    """Bad user input: a scenario or experiment file, a CLI flag or an override.

    The message is one line naming the file (or flag), the field and what is allowed.
    """
