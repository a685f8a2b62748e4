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

__all__ = [
    "NormaliseError",
    "normalise_harness_bytes",
    "normalise_harness_output",
]
