"""What happened to a request, as one value per kind; `X-Cache` and the log derive from it.

Each outcome maps to CloudFront's `X-Cache` value (spec §5.1) and the log's
`x-edge-result-type` / `x-edge-response-result-type` (spec §6.6) in one table, so no code passes
flags around to decide a header later.
"""

from __future__ import annotations

from enum import Enum


class Outcome(Enum):
    HIT = "Hit"
    REFRESH_HIT = "RefreshHit"
    MISS = "Miss"
    ERROR = "Error"
    LAMBDA_GENERATED = "LambdaGeneratedResponse"
    LAMBDA_VALIDATION_ERROR = "LambdaValidationError"
    LAMBDA_EXECUTION_ERROR = "LambdaExecutionError"
    LAMBDA_LIMIT_EXCEEDED = "LambdaLimitExceeded"

    @property
    def x_cache(self) -> str:
        return f"{self.value} from cloudfront"

    @property
    def server_timing(self) -> str | None:
        """CloudFront's `cdn-cache-*` metric for this outcome (spec §5.1), if any."""
        return _SERVER_TIMING.get(self)


_SERVER_TIMING = {
    Outcome.HIT: "cdn-cache-hit",
    Outcome.REFRESH_HIT: "cdn-cache-refresh",
    Outcome.MISS: "cdn-cache-miss",
}


def outcome_from_x_cache(value: str | None) -> Outcome | None:
    """Read a parent tier's `X-Cache` back into an outcome (to report the hit layer)."""
    if not value:
        return None
    name = value.split(" ", 1)[0]
    for outcome in Outcome:
        if outcome.value == name:
            return outcome
    return None
