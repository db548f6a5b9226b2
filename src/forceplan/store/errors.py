"""The store's one exception type: a message a person can act on."""

from __future__ import annotations


class StoreError(Exception):
    """The run store cannot do what was asked (unreachable, newer schema, unknown run...)."""
