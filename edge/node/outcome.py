"""What happened to a request, as one value per kind; `X-Cache` and the log derive from it.

Each outcome maps to CloudFront's `X-Cache` value (spec §5.1) and the log's
`x-edge-result-type` / `x-edge-response-result-type` (spec §6.6) in one table, so no code passes
flags around to decide a header later.
"""

from __future__ import annotations

from enum import Enum

# CloudFront's `cdn-cache-*` Server-Timing metric per outcome (spec §5.1), by value.
_SERVER_TIMING = {
    "Hit": "cdn-cache-hit",
    "RefreshHit": "cdn-cache-refresh",
    "Miss": "cdn-cache-miss",
}


class Outcome(Enum):
    HIT = "Hit"
    REFRESH_HIT = "RefreshHit"
    MISS = "Miss"
    ERROR = "Error"
    LAMBDA_GENERATED = "LambdaGeneratedResponse"
    LAMBDA_VALIDATION_ERROR = "LambdaValidationError"
    LAMBDA_EXECUTION_ERROR = "LambdaExecutionError"
    LAMBDA_LIMIT_EXCEEDED = "LambdaLimitExceeded"

    def __init__(self, value: str) -> None:
        # Plain attributes, set once per member: every response reads them (`value` is a
        # descriptor, several times slower to read).
        self.result_type = value  # the log's x-edge-result-type
        self.x_cache = f"{value} from cloudfront"
        self.server_timing: str | None = _SERVER_TIMING.get(value)


def outcome_from_x_cache(value: str | None) -> Outcome | None:
    """Read a parent tier's `X-Cache` back into an outcome (to report the hit layer)."""
    if not value:
        return None
    name = value.split(" ", 1)[0]
    for outcome in Outcome:
        if outcome.value == name:
            return outcome
    return None
