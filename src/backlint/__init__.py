"""backlint: a static code-review analyzer for backend web code."""

__version__ = "0.1.0"
