"""hooke: measure how language models spring back from alignment."""

__version__ = "0.1.0"
