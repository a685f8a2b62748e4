"""The importable library API of engineering-loop.

Every function here returns a `returns.result.Result` (or a plain value where nothing can fail)
and takes its adapters as optional keyword arguments, defaulting to the production ones chosen in
`entrypoints.bootstrap`.
"""

from entrypoints.api.prepare import GatePreparer as GatePreparer
from entrypoints.api.prepare import open_repo as open_repo
from entrypoints.api.prepare import prepare_gate_in as prepare_gate_in
