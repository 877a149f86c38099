"""The one error a load test's input can raise, so the command catches one thing and prints it."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

__all__ = ["LoadInputError", "did_you_mean"]


class LoadInputError(ValueError):
    """A population, workload or schedule the load generator cannot use; the message says
    which entry (file and line where there is one) and what would work instead."""


def did_you_mean(word: str, known: Mapping[str, str]) -> str:
    """' (did you mean X or Y?)' for the names whose key is close to `word` (difflib), else ''.

    `known` maps the form compared (folded: no case, no accents) to the form shown.
    """
    close = difflib.get_close_matches(word, list(known), n=3, cutoff=0.7)
    shown = list(dict.fromkeys(known[key] for key in close))
    if not shown:
        return ""
    return f" (did you mean {' or '.join(repr(name) for name in shown)}?)"
