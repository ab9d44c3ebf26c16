"""Errors the command line turns into exit codes."""


class BadInput(Exception):
    """Input the user can fix (a file, a flag, a field): exit code 2, one clear line, no traceback."""


class RuntimeFailure(Exception):
    """Something failed while running (not the user's input): exit code 1."""
