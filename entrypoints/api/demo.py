"""The bundled example: an agent's change to a small uv project, verified with the full `check`."""

from __future__ import annotations

import os
from typing import Literal

import anyio
import msgspec
from returns.result import Failure, Result, Success

from entrypoints import bootstrap
from entrypoints.api.check.run import (
    CheckError,
    CheckReport,
    GateStage,
    check_repos,
    load_policy,
)
from ports.changes import ChangeCollector
from ports.config import ConfigSource
from ports.scratch import ScratchRepoBuilder

Variant = Literal["publishable", "blocked"]

EXAMPLE_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "examples",
    "check-demo",
)


class DemoRun(msgspec.Struct, frozen=True, kw_only=True):
    """Where the example repository was built and what `check` said about it."""

    workdir: str
    report: CheckReport


def _production_builder() -> ScratchRepoBuilder:
    return bootstrap.scratch_repos()


def run_demo(
    variant: Variant = "publishable",
    *,
    keep: bool = False,
    example_dir: str = EXAMPLE_DIR,
    builder: ScratchRepoBuilder | None = None,
    config_source: ConfigSource | None = None,
    collector: ChangeCollector | None = None,
    stage: GateStage | None = None,
) -> Result[DemoRun, CheckError]:
    """Build the example (base commit + the `variant` change) and run `check` on it."""
    if builder is None:
        builder = _production_builder()
    loaded = load_policy(os.path.join(example_dir, "engineering-loop.toml"), source=config_source)
    if isinstance(loaded, Failure):
        return Failure(loaded.failure())
    built = builder.build(
        os.path.join(example_dir, "base"), os.path.join(example_dir, f"change-{variant}")
    )
    if isinstance(built, Failure):
        return Failure(CheckError(code=built.failure().code, message=built.failure().message))
    repo = built.unwrap()
    policy = loaded.unwrap()

    async def check() -> Result[CheckReport, CheckError]:
        return await check_repos([repo], policy, collector=collector, stage=stage)

    try:
        result = anyio.run(check)
    finally:
        if not keep:
            builder.remove(repo)
    if isinstance(result, Failure):
        return Failure(result.failure())
    return Success(DemoRun(workdir=repo, report=result.unwrap()))
