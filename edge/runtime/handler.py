"""Handler specs, and the one place user code is entered: importing it and calling it.

`load` and `call` catch what the user's code raises and hand it back as a value, so neither
the worker process nor the node ever sees a handler's exception; `SystemExit` comes back as
`Exited` and the caller decides (a worker exits, as Lambda's runtime would; the node does
not). NamedTuples rather than dataclasses: a worker imports this module at cold start, and
`dataclasses` is slow to import.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["Exited", "HandlerSpec", "InitError", "Raised", "Returned", "call", "load"]

Handler = Callable[[Any, Any], Any]
_RUNTIME = str(Path(__file__).parent)  # frames from here are the runtime's, not the user's


class HandlerSpec(NamedTuple):
    """`path/to/file.py[:function]` or `package.module[:function]`; the function defaults to
    `handler`."""

    path: str | None
    module: str | None
    function: str = "handler"

    @classmethod
    def parse(cls, text: str) -> HandlerSpec:
        target, _, function = text.partition(":")
        function = function or "handler"
        if not target or not function.isidentifier():
            raise ValueError(f"handler {text!r}: expected FILE.py[:FUNCTION] or MODULE[:FUNCTION]")
        if target.endswith(".py") or "/" in target:
            return cls(path=target, module=None, function=function)
        if not all(part.isidentifier() for part in target.split(".")):
            raise ValueError(f"handler {text!r}: {target!r} is neither a .py file nor a module")
        return cls(path=None, module=target, function=function)

    @property
    def module_name(self) -> str:
        """The name Lambda imports the module under: the file's stem, or the module itself."""
        return Path(self.path).stem if self.path is not None else str(self.module)

    @property
    def function_name(self) -> str:
        """The function's name when none is given: the file or module (its last part), plus
        `-FUNCTION` unless that is `handler`, in the characters Lambda allows."""
        stem = "".join(c if c.isascii() and (c.isalnum() or c in "_-") else "-"
                       for c in self.module_name.rpartition(".")[2]) or "function"
        return (stem if self.function == "handler" else f"{stem}-{self.function}")[:64]

    def __str__(self) -> str:
        return f"{self.path or self.module}:{self.function}"


class InitError(NamedTuple):
    """The handler could not be loaded; `error_type` is the Lambda runtime's name for it."""

    error_type: str
    message: str
    trace: str = ""


class Returned(NamedTuple):
    value: Any


class Raised(NamedTuple):
    error_type: str
    message: str
    trace: str

    @property
    def out_of_memory(self) -> bool:
        return self.error_type == "MemoryError"


class Exited(NamedTuple):
    code: int


def load(spec: HandlerSpec, module_name: str | None = None) -> Handler | InitError:
    """Import the handler's module (under `module_name`, default Lambda's) and find the function."""
    name = module_name or spec.module_name
    try:
        if spec.path is not None:
            if name in sys.modules:
                return InitError(
                    "Runtime.ImportModuleError",
                    f"Unable to import module '{name}': the name is taken by a module the "
                    "runtime uses; rename the file",
                )
            found = importlib.util.spec_from_file_location(name, spec.path)
            if found is None or found.loader is None or not Path(spec.path).is_file():
                return InitError(
                    "Runtime.ImportModuleError",
                    f"Unable to import module '{name}': no file {spec.path}",
                )
            module = importlib.util.module_from_spec(found)
            sys.modules[name] = module
            try:
                found.loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
        else:
            module = importlib.import_module(name)
    except SyntaxError as error:
        return InitError(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{name}': {error}",
            f'  File "{error.filename}" Line {error.lineno}\n    {(error.text or "").strip()}\n',
        )
    except ImportError as error:
        return InitError("Runtime.ImportModuleError", f"Unable to import module '{name}': {error}")
    except Exception as error:  # raised by the module's top-level code
        return InitError(type(error).__name__, str(error), _user_trace(error))
    function = getattr(module, spec.function, None)
    if not callable(function):
        return InitError(
            "Runtime.HandlerNotFound", f"Handler '{spec.function}' missing on module '{name}'"
        )
    return function


def call(handler: Handler, event: Any, context: Any) -> Returned | Raised | Exited:
    """Run the handler once; its exceptions and `sys.exit` come back as values."""
    try:
        return Returned(handler(event, context))
    except SystemExit as exit:
        code = exit.code
        return Exited(code if isinstance(code, int) else 0 if code is None else 1)
    except Exception as error:
        return Raised(type(error).__name__, str(error), _user_trace(error))


def _user_trace(error: BaseException) -> str:
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.startswith(_RUNTIME) and "importlib._bootstrap" not in frame.filename
    ]
    return "".join(traceback.format_list(frames))
