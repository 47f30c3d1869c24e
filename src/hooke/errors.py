"""The one exception type hooke raises for bad input: its message is the whole story."""


class HookeError(Exception):
    """A user-facing error: one line that names the file, key or column at fault."""
