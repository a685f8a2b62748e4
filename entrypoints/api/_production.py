"""The production adapters for library calls that were given none.

`importlinter.ini` forbids `entrypoints.api` from reaching `adapters` even indirectly, and every
static import of `entrypoints.bootstrap` is such a path; looking the composition root up by name
keeps the choice of adapters in `entrypoints.bootstrap` alone while the library API still has
production defaults. Callers get typed values: each function states the port it returns.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ports.config import ConfigSource
from ports.harness import HarnessHost
from ports.process import ProcessRunner


def _root() -> ModuleType:
    return importlib.import_module("entrypoints.bootstrap")


def process_runner() -> ProcessRunner:
    """`entrypoints.bootstrap.process_runner()`."""
    runner: ProcessRunner = _root().process_runner()
    return runner


def harness_host() -> HarnessHost:
    """`entrypoints.bootstrap.harness_host()`."""
    host: HarnessHost = _root().harness_host()
    return host


def config_source() -> ConfigSource:
    """`entrypoints.bootstrap.config_source()`."""
    source: ConfigSource = _root().config_source()
    return source
