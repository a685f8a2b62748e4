"""The importable library API of engineering-loop.

Every function here returns a `returns.result.Result` (or a plain value where nothing can fail)
and takes its adapters as optional keyword arguments, defaulting to the production ones chosen in
`entrypoints.bootstrap`.

Names load on first use (PEP 562), so importing one capability, as every CLI command does, does
not import all of them: start-up time. Type checkers read the imports below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from entrypoints.api.harness.normalise import (
        normalise_harness_output as normalise_harness_output,
    )
    from entrypoints.api.harness.run import HarnessRunError as HarnessRunError
    from entrypoints.api.harness.run import HarnessRunRequest as HarnessRunRequest
    from entrypoints.api.harness.run import run_harness as run_harness

_EXPORTS: dict[str, str] = {
    "close_harness_run": "entrypoints.api.budget",
    "close_run": "entrypoints.api.budget",
    "load_budget_config": "entrypoints.api.budget",
    "open_ledger": "entrypoints.api.budget",
    "plan_run": "entrypoints.api.budget",
    "reserve_run": "entrypoints.api.budget",
    "settle_run": "entrypoints.api.budget",
    "show_ledger": "entrypoints.api.budget",
    "check_repos": "entrypoints.api.check.run",
    "load_policy": "entrypoints.api.check.run",
    "run_demo": "entrypoints.api.demo",
    "GatePreparer": "entrypoints.api.gates.prepare",
    "open_repo": "entrypoints.api.gates.prepare",
    "prepare_gate_in": "entrypoints.api.gates.prepare",
    "GateApiError": "entrypoints.api.gates.run",
    "check_files": "entrypoints.api.gates.run",
    "prepare_gates": "entrypoints.api.gates.run",
    "run_gate": "entrypoints.api.gates.run",
    "run_gates": "entrypoints.api.gates.run",
    "run_gates_async": "entrypoints.api.gates.run",
    "select_for_paths": "entrypoints.api.gates.run",
    "validate_models": "entrypoints.api.harness.models",
    "NormaliseError": "entrypoints.api.harness.normalise",
    "normalise_harness_bytes": "entrypoints.api.harness.normalise",
    "normalise_harness_output": "entrypoints.api.harness.normalise",
    "HarnessRunError": "entrypoints.api.harness.run",
    "HarnessRunRequest": "entrypoints.api.harness.run",
    "run_harness": "entrypoints.api.harness.run",
}

# Defined for the interpreter only: mypy reads the imports above and still rejects unknown names.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        """Import the module that defines `name` the first time it is asked for."""
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted([*globals(), *_EXPORTS])
