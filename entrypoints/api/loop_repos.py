"""`loop queue` and `loop labels`: what the next cycle would see (read-only), and the labels each
served repository needs (created with `apply`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import msgspec
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from domain.config import ConfigError, LoopConfig
from domain.forge.values import ForgeError, loop_labels, parse_repo
from domain.loop.intake import required_labels
from domain.loop.report import QueueEntry, QueueReport, RepoQueue
from entrypoints import bootstrap
from entrypoints.api.loop_intake import read_intake
from entrypoints.config import load_config
from ports.config import ConfigSource
from ports.forge import Forge

LoopApiError = ConfigError | ForgeError


class RepoLabels(msgspec.Struct, frozen=True, kw_only=True):
    """A served repository's needed labels, those it lacks, and (with `apply`) those created."""

    repo: str
    required: tuple[str, ...]
    # Missing before this command (with `apply`, they are now created).
    missing: tuple[str, ...] = ()
    created: tuple[str, ...] = ()


class LabelsReport(msgspec.Struct, frozen=True, kw_only=True):
    """`loop labels --json`: per repository, in `repos` order."""

    applied: bool
    repos: tuple[RepoLabels, ...] = ()


def _opened(
    config_path: str | None,
    config: LoopConfig | None,
    environ: Mapping[str, str] | None,
    forge: Forge | None,
    source: ConfigSource | None,
) -> Result[tuple[LoopConfig, Forge], LoopApiError]:
    loaded: Result[LoopConfig, ConfigError] = (
        Success(config) if config is not None else load_config(config_path, source=source)
    )
    if not is_successful(loaded):
        return Failure(loaded.failure())
    settings = loaded.unwrap()
    if forge is not None:
        return Success((settings, forge))
    opened = bootstrap.forge(settings.forge, os.environ if environ is None else environ)
    if not is_successful(opened):
        return Failure(opened.failure())
    return Success((settings, opened.unwrap()[0]))


async def loop_queue(
    config_path: str | None = None,
    *,
    config: LoopConfig | None = None,
    environ: Mapping[str, str] | None = None,
    forge: Forge | None = None,
    now: Callable[[], datetime] | None = None,
    source: ConfigSource | None = None,
) -> Result[QueueReport, LoopApiError]:
    """Each served repository's open approved issues as the next cycle would judge them, best
    first; nothing is written (no lock either: it reads what a cycle would read)."""
    opened = _opened(config_path, config, environ, forge, source)
    if not is_successful(opened):
        return Failure(opened.failure())
    settings, found = opened.unwrap()
    at = now() if now is not None else datetime.now(UTC)
    intake = await read_intake(found, settings.loop, at)
    if not is_successful(intake):
        return Failure(intake.failure())
    return Success(
        QueueReport(
            repos=tuple(
                RepoQueue(
                    repo=repo.repo,
                    issues=tuple(
                        QueueEntry(
                            number=e.facts.number,
                            title=e.facts.title,
                            score=e.score,
                            eligible=e.verdict.eligible,
                            code=e.code,
                        )
                        for e in repo.entries
                    ),
                )
                for repo in intake.unwrap()
            )
        )
    )


async def loop_labels_needed(
    config_path: str | None = None,
    *,
    apply: bool = False,
    config: LoopConfig | None = None,
    environ: Mapping[str, str] | None = None,
    forge: Forge | None = None,
    source: ConfigSource | None = None,
) -> Result[LabelsReport, LoopApiError]:
    """The labels each served repository needs (approval, the loop's states, the budget tiers);
    with `apply`, the missing ones are created."""
    opened = _opened(config_path, config, environ, forge, source)
    if not is_successful(opened):
        return Failure(opened.failure())
    settings, found = opened.unwrap()
    tiers = tuple(settings.budget.tiers)
    names = required_labels(settings.loop, tiers)
    specs = tuple(
        spec for spec in loop_labels(settings.loop.approval_label, tiers) if spec.name in names
    )
    repos: list[RepoLabels] = []
    for slug in settings.loop.repos:
        parsed = parse_repo(slug)
        if not is_successful(parsed):
            return Failure(parsed.failure())
        have = await found.repository_labels(parsed.unwrap())
        if not is_successful(have):
            return Failure(have.failure())
        existing = {name.casefold() for name in have.unwrap()}
        missing = tuple(name for name in names if name.casefold() not in existing)
        created: tuple[str, ...] = ()
        if apply and missing:
            made = await found.ensure_labels(parsed.unwrap(), specs)
            if not is_successful(made):
                return Failure(made.failure())
            created = made.unwrap()
        repos.append(RepoLabels(repo=slug, required=names, missing=missing, created=created))
    return Success(LabelsReport(applied=apply, repos=tuple(repos)))
