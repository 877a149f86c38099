"""The one error a load test's input can raise, so the command catches one thing and prints it."""

from __future__ import annotations

__all__ = ["LoadInputError"]


class LoadInputError(ValueError):
    """A population, workload or schedule the load generator cannot use; the message says
    which entry (file and line where there is one) and what would work instead."""
