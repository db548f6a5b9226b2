"""The one place forceplan's version is written (pyproject.toml reads it from here).

Read as a constant rather than through importlib.metadata, whose import and
scan cost 0.1-0.4 s of every command's start-up.
"""

__version__ = "0.1.0"
