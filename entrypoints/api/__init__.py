"""The importable library API of engineering-loop.

Every function here returns a `returns.result.Result` (or a plain value where nothing can fail)
and takes its adapters as optional keyword arguments, defaulting to the production ones chosen in
`entrypoints.bootstrap`.
"""

from entrypoints.api.harness_normalise import (
    NormaliseError,
    normalise_harness_bytes,
    normalise_harness_output,
)
from entrypoints.api.harness_run import HarnessRunError, HarnessRunRequest, run_harness
from entrypoints.api.models import validate_models

__all__ = [
    "HarnessRunError",
    "HarnessRunRequest",
    "NormaliseError",
    "normalise_harness_bytes",
    "normalise_harness_output",
    "run_harness",
    "validate_models",
]
