"""The importable library API of engineering-loop.

Every function here returns a `returns.result.Result` (or a plain value where nothing can fail)
and takes its adapters as optional keyword arguments, defaulting to the production ones chosen in
`entrypoints.bootstrap`.
"""

from entrypoints.api.budget import close_harness_run as close_harness_run
from entrypoints.api.budget import close_run as close_run
from entrypoints.api.budget import load_budget_config as load_budget_config
from entrypoints.api.budget import open_ledger as open_ledger
from entrypoints.api.budget import plan_run as plan_run
from entrypoints.api.budget import reserve_run as reserve_run
from entrypoints.api.budget import settle_run as settle_run
from entrypoints.api.budget import show_ledger as show_ledger
from entrypoints.api.check.run import check_repos as check_repos
from entrypoints.api.check.run import load_policy as load_policy
from entrypoints.api.demo import run_demo as run_demo
from entrypoints.api.gates.declared import declared_gates_in as declared_gates_in
from entrypoints.api.gates.prepare import GatePreparer as GatePreparer
from entrypoints.api.gates.prepare import open_repo as open_repo
from entrypoints.api.gates.prepare import prepare_gate_in as prepare_gate_in
from entrypoints.api.gates.run import GateApiError as GateApiError
from entrypoints.api.gates.run import check_files as check_files
from entrypoints.api.gates.run import prepare_gates as prepare_gates
from entrypoints.api.gates.run import run_gate as run_gate
from entrypoints.api.gates.run import run_gates as run_gates
from entrypoints.api.gates.run import run_gates_async as run_gates_async
from entrypoints.api.gates.run import select_for_paths as select_for_paths
from entrypoints.api.harness.models import validate_models as validate_models
from entrypoints.api.harness.normalise import NormaliseError as NormaliseError
from entrypoints.api.harness.normalise import normalise_harness_bytes as normalise_harness_bytes
from entrypoints.api.harness.normalise import normalise_harness_output as normalise_harness_output
from entrypoints.api.harness.run import HarnessRunError as HarnessRunError
from entrypoints.api.harness.run import HarnessRunRequest as HarnessRunRequest
from entrypoints.api.harness.run import run_harness as run_harness
