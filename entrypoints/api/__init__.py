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
    from entrypoints.api.daemon import RunOne as RunOne
    from entrypoints.api.daemon import RunTarget as RunTarget
    from entrypoints.api.daemon import run_cycle as run_cycle
    from entrypoints.api.demo import run_demo as run_demo
    from entrypoints.api.forge import IssueView as IssueView
    from entrypoints.api.forge import comment_local_issue as comment_local_issue
    from entrypoints.api.forge import create_local_issue as create_local_issue
    from entrypoints.api.forge import create_local_repo as create_local_repo
    from entrypoints.api.forge import edit_local_issue as edit_local_issue
    from entrypoints.api.forge import init_local_forge as init_local_forge
    from entrypoints.api.forge import label_local_issue as label_local_issue
    from entrypoints.api.forge import list_local_pull_requests as list_local_pull_requests
    from entrypoints.api.forge import load_forge_settings as load_forge_settings
    from entrypoints.api.forge import local_forge_dir as local_forge_dir
    from entrypoints.api.forge import open_forge as open_forge
    from entrypoints.api.forge import set_local_permission as set_local_permission
    from entrypoints.api.forge import show_local_issue as show_local_issue
    from entrypoints.api.forge import show_local_pull_request as show_local_pull_request
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
    from entrypoints.api.harness.normalise import (
        normalise_harness_output as normalise_harness_output,
    )
    from entrypoints.api.harness.run import HarnessRunError as HarnessRunError
    from entrypoints.api.harness.run import HarnessRunRequest as HarnessRunRequest
    from entrypoints.api.harness.run import run_harness as run_harness
    from entrypoints.api.loop_repos import loop_labels_needed as loop_labels_needed
    from entrypoints.api.loop_repos import loop_queue as loop_queue
    from entrypoints.api.replay import ReplayError as ReplayError
    from entrypoints.api.replay import replay_run as replay_run
    from entrypoints.api.run import RunError as RunError
    from entrypoints.api.run import run_issue as run_issue
    from entrypoints.api.service import ServiceReport as ServiceReport
    from entrypoints.api.service import check_service as check_service

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
    "IssueView": "entrypoints.api.forge",
    "comment_local_issue": "entrypoints.api.forge",
    "create_local_issue": "entrypoints.api.forge",
    "create_local_repo": "entrypoints.api.forge",
    "edit_local_issue": "entrypoints.api.forge",
    "init_local_forge": "entrypoints.api.forge",
    "label_local_issue": "entrypoints.api.forge",
    "list_local_pull_requests": "entrypoints.api.forge",
    "load_forge_settings": "entrypoints.api.forge",
    "local_forge_dir": "entrypoints.api.forge",
    "open_forge": "entrypoints.api.forge",
    "set_local_permission": "entrypoints.api.forge",
    "show_local_issue": "entrypoints.api.forge",
    "show_local_pull_request": "entrypoints.api.forge",
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
    "RunError": "entrypoints.api.run",
    "run_issue": "entrypoints.api.run",
    "ReplayError": "entrypoints.api.replay",
    "replay_run": "entrypoints.api.replay",
    "declared_gates_in": "entrypoints.api.gates.declared",
    "ServiceReport": "entrypoints.api.service",
    "check_service": "entrypoints.api.service",
    "RunOne": "entrypoints.api.daemon",
    "RunTarget": "entrypoints.api.daemon",
    "run_cycle": "entrypoints.api.daemon",
    "loop_labels_needed": "entrypoints.api.loop_repos",
    "loop_queue": "entrypoints.api.loop_repos",
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
