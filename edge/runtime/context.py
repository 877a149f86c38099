"""The `context` object Lambda's Python runtime passes to a handler.

Only the standard library's `time` is imported: a worker process loads this at cold start.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Context", "context_class"]


class Context:
    """What Lambda's Python runtime passes as `context`, down to `memory_limit_in_mb` as a str.

    One is made per invocation, so it holds only what changes between invocations: the request
    id and the deadline. What a function's invocations share lives on the class `context_class`
    makes for the function, once. `deadline` is on the clock's scale (monotonic by default,
    which worker processes share with the node); the remaining time is read from the clock on
    each call, as on Lambda.
    """

    __slots__ = ("_deadline", "aws_request_id")

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: str
    log_group_name: str
    log_stream_name: str
    identity = None
    client_context = None
    _clock: Callable[[], float]

    def __init__(self, aws_request_id: str, deadline: float) -> None:
        self.aws_request_id = aws_request_id
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - self._clock()) * 1000))


def context_class(
    *,
    function_name: str,
    function_version: str,
    memory_size: int,
    log_stream_name: str,
    clock: Callable[[], float] = time.monotonic,
) -> type[Context]:
    """The context class for one function version's invocations in one environment."""
    return type("LambdaContext", (Context,), {
        "__slots__": (),
        "function_name": function_name,
        "function_version": function_version,
        # Lambda@Edge functions live in us-east-1 and log under that name in every Region (§2.4).
        "invoked_function_arn":
            f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}:{function_version}",
        "memory_limit_in_mb": str(memory_size),
        "log_group_name": f"/aws/lambda/us-east-1.{function_name}",
        "log_stream_name": log_stream_name,
        "_clock": staticmethod(clock),
    })
