"""The `context` object Lambda's Python runtime passes to a handler.

Only the standard library's `time` is imported: a worker process loads this at cold start.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Context"]


class Context:
    """What Lambda's Python runtime passes as `context`, down to `memory_limit_in_mb` as a str.

    `deadline` is on the `clock`'s scale (monotonic by default, which worker processes share
    with the node); the remaining time is read from the clock on each call, as on Lambda.
    """

    __slots__ = (
        "_clock",
        "_deadline",
        "aws_request_id",
        "client_context",
        "function_name",
        "function_version",
        "identity",
        "invoked_function_arn",
        "log_group_name",
        "log_stream_name",
        "memory_limit_in_mb",
    )

    def __init__(
        self,
        *,
        function_name: str,
        function_version: str,
        memory_size: int,
        aws_request_id: str,
        log_stream_name: str,
        deadline: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.function_name = function_name
        self.function_version = function_version
        # Lambda@Edge functions live in us-east-1 and log under that name in every Region (§2.4).
        self.invoked_function_arn = (
            f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}:{function_version}"
        )
        self.memory_limit_in_mb = str(memory_size)
        self.aws_request_id = aws_request_id
        self.log_group_name = f"/aws/lambda/us-east-1.{function_name}"
        self.log_stream_name = log_stream_name
        self.identity = None
        self.client_context = None
        self._deadline = deadline
        self._clock = clock

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - self._clock()) * 1000))
