"""Invariants of the sandbox's command line, run folder layout and decision."""

from __future__ import annotations

import posixpath

from hypothesis import example, given
from hypothesis import strategies as st

from domain.sandbox.config import SandboxSettings
from domain.sandbox.decision import decide_sandbox
from domain.sandbox.layout import RunFolder, confined_environment, settings_copy, uv_cache_binds
from domain.sandbox.plan import Bind, SandboxPlan, bwrap_argv, ordered_binds

_segment = st.sampled_from(["w", "repo", "home", "a", "b", ".cache", "uv", "x y", "é"])
_path = st.lists(_segment, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))
_bind = st.builds(Bind, source=_path, dest=st.none() | _path, writable=st.booleans())
_plan = st.builds(
    SandboxPlan,
    bwrap=st.just("/usr/bin/bwrap"),
    workdir=_path,
    binds=st.lists(_bind, max_size=6).map(tuple),
    network=st.booleans(),
)
_settings = st.builds(
    SandboxSettings,
    kind=st.sampled_from([None, "bwrap", "none"]),
    harness_network=st.sampled_from(["shared", "none"]),
    gates_network=st.sampled_from(["shared", "none"]),
)


def _mounts(argv: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(option, source, target) of every bind after the system's `--ro-bind-try` ones."""
    found = []
    for index, word in enumerate(argv):
        if word in ("--bind", "--ro-bind"):
            found.append((word, argv[index + 1], argv[index + 2]))
    return found


@given(_plan)
def test_bwrap_argv_unshares_every_namespace_and_dies_with_the_loop(plan: SandboxPlan) -> None:
    argv = bwrap_argv(plan)
    assert argv[:2] == ("/usr/bin/bwrap", "--unshare-all")
    assert {"--die-with-parent", "--new-session"} <= set(argv)
    assert ("--share-net" in argv) == plan.network
    assert argv[-3:] == ("--chdir", plan.workdir, "--")


@given(_plan)
def test_bwrap_argv_makes_only_the_workdir_and_marked_binds_writable(plan: SandboxPlan) -> None:
    writable = {target for option, _, target in _mounts(bwrap_argv(plan)) if option == "--bind"}
    expected = {plan.workdir} | {b.target for b in plan.binds if b.writable}
    assert writable == expected


@given(_plan)
@example(
    SandboxPlan(
        bwrap="/usr/bin/bwrap",
        workdir="/w/repo/a",
        binds=(Bind(source="/w/repo/a/b"), Bind(source="/w", writable=True)),
    )
)
def test_bwrap_argv_mounts_parents_before_the_paths_below_them(plan: SandboxPlan) -> None:
    targets = [posixpath.normpath(target) for _, _, target in _mounts(bwrap_argv(plan))]
    for early, parent in enumerate(targets):
        for late, child in enumerate(targets):
            if child.startswith(parent.rstrip("/") + "/"):
                assert early < late, (parent, child)


@given(_plan)
def test_bwrap_argv_starts_from_a_fresh_proc_and_a_read_only_root(plan: SandboxPlan) -> None:
    argv = bwrap_argv(plan)
    assert argv[argv.index("--proc") + 1] == "/proc"
    assert argv[argv.index("--remount-ro") + 1] == "/"
    # Nothing of /etc is bound as a whole, and no bind of the host root.
    assert "/etc" not in argv
    assert all(source != "/" for _, source, _ in _mounts(argv))


@given(st.lists(_bind, max_size=8).map(tuple))
def test_ordered_binds_keeps_every_bind(binds: tuple[Bind, ...]) -> None:
    assert sorted(map(repr, ordered_binds(binds))) == sorted(map(repr, binds))


@given(_settings, st.none() | st.text(min_size=1, max_size=20), st.booleans())
def test_unattended_or_explicit_bwrap_never_runs_unconfined_by_accident(
    settings: SandboxSettings, problem: str | None, unattended: bool
) -> None:
    decided = decide_sandbox(settings, problem, unattended=unattended)
    if settings.kind == "none":
        assert decided.unwrap().sandboxed is False
    elif problem is None:
        assert decided.unwrap().sandboxed is True
    elif unattended or settings.kind == "bwrap":
        assert decided.failure().code == "sandbox-unavailable"
        assert 'kind = "none"' in decided.failure().message
    else:
        assert decided.unwrap().notice is not None


@given(
    st.lists(
        st.sampled_from(["wheels-v5", "archive-v0", "interpreter-v4", "builds-v0", ".lock", "x"])
    )
)
def test_shared_uv_buckets_are_never_writable(buckets: list[str]) -> None:
    folder = RunFolder(root="/r/run-1")
    binds = uv_cache_binds("/home/a/.cache/uv", buckets, folder)
    assert binds[0] == Bind(source=folder.uv_cache, dest="/home/a/.cache/uv", writable=True)
    assert not any(bind.writable for bind in binds[1:])
    assert {posixpath.basename(b.target) for b in binds[1:]} <= {"wheels-v5", "archive-v0"}


@given(st.dictionaries(st.sampled_from(["HOME", "TMPDIR", "PATH", "LANG"]), _path))
def test_the_confined_home_and_tmpdir_are_in_the_run_folder(env: dict[str, str]) -> None:
    folder = RunFolder(root="/r/run-1")
    confined = confined_environment(env, folder)
    assert confined["HOME"] == "/r/run-1/home"
    assert confined["TMPDIR"] == "/r/run-1/tmp"
    assert {k: v for k, v in confined.items() if k not in ("HOME", "TMPDIR")} == {
        k: v for k, v in env.items() if k not in ("HOME", "TMPDIR")
    }


@given(st.sampled_from(["pi", "claude", "codex"]), st.dictionaries(st.just("HOME"), _path))
def test_harness_settings_are_copied_into_the_fresh_home(harness: str, env: dict[str, str]) -> None:
    folder = RunFolder(root="/r/run-1")
    copy = settings_copy(harness, env, folder)
    if "HOME" not in env:
        assert copy is None
        return
    assert copy is not None
    assert copy.dest.startswith(folder.home + "/")
    assert copy.source.startswith(env["HOME"])
