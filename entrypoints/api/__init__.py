"""The importable library API of engineering-loop.

Every function here returns a `returns.result.Result` (or a plain value where nothing can fail)
and takes its adapters as optional keyword arguments, defaulting to the production ones chosen in
`entrypoints.bootstrap`.
"""

from entrypoints.api.budget import load_budget_config as load_budget_config
from entrypoints.api.budget import open_ledger as open_ledger
from entrypoints.api.budget import plan_run as plan_run
from entrypoints.api.budget import reserve_run as reserve_run
from entrypoints.api.budget import settle_run as settle_run
from entrypoints.api.budget import show_ledger as show_ledger
from entrypoints.api.check import check_repos as check_repos
from entrypoints.api.check import load_policy as load_policy
from entrypoints.api.demo import run_demo as run_demo
