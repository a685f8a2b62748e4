"""Loading the demo's scripts (`scripts/<variant>.toml`) and its issue (`scripts/issue.toml`),
decoded strictly, so a typo in a script is an error and not a silently different demo."""

from __future__ import annotations

import os
from typing import Annotated, Literal, TypeVar, get_args

import msgspec
import tomli
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from entrypoints import bootstrap
from ports.files import FileReader
from ports.scripted_model import ScriptedSession

Variant = Literal["publishable", "blocked", "remediated", "cost-kill"]
VARIANTS: tuple[Variant, ...] = get_args(Variant)
SCRIPTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scripts")
# What every output of a demo that plays a script says, so no one mistakes it for a model.
SCRIPT_NOTICE = (
    "The model in this demo is a fixed script played by engineering-loop's scripted model "
    "server on 127.0.0.1, not an LLM: its replies and their token counts are written in advance."
)
_MAX_SCRIPT_BYTES = 1024 * 1024
T = TypeVar("T")


class DemoScript(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One variant's script: its sessions (one per agent run) and the run it should end in."""

    variant: Variant
    summary: str
    outcome: Literal["published", "needs-human"]
    # The `needs-human` reason the run should give (None when published).
    reason: str | None = None
    rounds: Annotated[int, msgspec.Meta(ge=1)]
    sessions: Annotated[tuple[ScriptedSession, ...], msgspec.Meta(min_length=1)]


class DemoIssue(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The approved issue the demo's agent works on."""

    title: Annotated[str, msgspec.Meta(min_length=1)]
    body: str


class DemoScriptError(msgspec.Struct, frozen=True, kw_only=True, tag="demo-script-error"):
    """An unknown variant (`demo-variant-unknown`), or a script file that is missing or
    invalid (`demo-script-invalid`: the package is damaged)."""

    code: str
    message: str


def _invalid(message: str) -> Failure[DemoScriptError]:
    return Failure(DemoScriptError(code="demo-script-invalid", message=message))


def decode_script(text: str, source: str, kind: type[T]) -> Result[T, DemoScriptError]:
    """Decode a script file's TOML text strictly into `kind`."""
    try:
        return Success(msgspec.convert(tomli.loads(text), kind, strict=True))
    except tomli.TOMLDecodeError as exc:
        return _invalid(f"{source} is not valid TOML: {exc}; reinstall engineering-loop.")
    except msgspec.ValidationError as exc:
        return _invalid(f"{source}: {exc}; reinstall engineering-loop.")


def _read(name: str, reader: FileReader | None) -> Result[tuple[str, str], DemoScriptError]:
    path = os.path.join(SCRIPTS_DIR, name)
    found = (reader or bootstrap.file_reader()).read(path, _MAX_SCRIPT_BYTES)
    if not is_successful(found):
        return _invalid(found.failure().message)
    data = found.unwrap()
    if data is None:
        return _invalid(f"{path} is missing from the package; reinstall engineering-loop.")
    try:
        return Success((path, data.decode("utf-8")))
    except UnicodeDecodeError:
        return _invalid(f"{path} is not UTF-8 text; reinstall engineering-loop.")


def load_demo_script(
    variant: str, *, reader: FileReader | None = None
) -> Result[DemoScript, DemoScriptError]:
    """The scripted model's replies for `variant` (publishable, blocked, remediated, cost-kill)."""
    if variant not in VARIANTS:
        return Failure(
            DemoScriptError(
                code="demo-variant-unknown",
                message=f"no demo variant {variant!r}; choose one of {', '.join(VARIANTS)}.",
            )
        )
    read = _read(f"{variant}.toml", reader)
    if not is_successful(read):
        return Failure(read.failure())
    path, text = read.unwrap()
    decoded = decode_script(text, path, DemoScript)
    if is_successful(decoded) and decoded.unwrap().variant != variant:
        return _invalid(f"{path} holds the script of {decoded.unwrap().variant!r}.")
    return decoded


def load_demo_issue(*, reader: FileReader | None = None) -> Result[DemoIssue, DemoScriptError]:
    """The approved issue every variant's agent works on."""
    read = _read("issue.toml", reader)
    if not is_successful(read):
        return Failure(read.failure())
    path, text = read.unwrap()
    return decode_script(text, path, DemoIssue)
