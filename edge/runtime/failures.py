"""What the viewer gets when an edge function fails (spec §2.4), as one table."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["FAILURE_RESPONSES", "Failure", "FailureResponse"]


class Failure(StrEnum):
    """The three ways a Lambda@Edge invocation fails, named as CloudFront logs them."""

    VALIDATION_ERROR = "LambdaValidationError"  # the function returned something invalid
    EXECUTION_ERROR = "LambdaExecutionError"  # it raised, crashed, exited or timed out
    LIMIT_EXCEEDED = "LambdaLimitExceeded"  # no execution environment was free


@dataclass(frozen=True, slots=True)
class FailureResponse:
    status: int
    x_cache: str
    result_type: str  # the access log's x-edge-result-type
    metric: str  # the CloudWatch metric it counts towards


FAILURE_RESPONSES: dict[Failure, FailureResponse] = {
    Failure.VALIDATION_ERROR: FailureResponse(
        502,
        "LambdaValidationError from cloudfront",
        "LambdaValidationError",
        "LambdaValidationError",
    ),
    Failure.EXECUTION_ERROR: FailureResponse(
        503,
        "LambdaExecutionError from cloudfront",
        "LambdaExecutionError",
        "LambdaExecutionError",
    ),
    Failure.LIMIT_EXCEEDED: FailureResponse(
        503,
        "LambdaLimitExceeded from cloudfront",
        "LambdaLimitExceeded",
        "LambdaLimitExceededErrors",
    ),
}
