"""Pure change derivations: exact renames, manifest paths."""

from __future__ import annotations

from domain.changes.change_set import (
    FileChange,
    manifest_paths,
    pair_exact_renames,
    summarise,
)


def test_deletion_and_addition_with_other_content_stay_apart() -> None:
    gone = FileChange(path="a", kind="deleted", old_mode=0o100644, old_id="1")
    new = FileChange(path="b", kind="added", new_mode=0o100644, new_id="2")
    assert [c.kind for c in pair_exact_renames([gone, new])] == ["deleted", "added"]


def test_same_content_with_a_new_exec_bit_is_not_a_rename() -> None:
    gone = FileChange(path="a", kind="deleted", old_mode=0o100644, old_id="1")
    new = FileChange(path="b", kind="added", new_mode=0o100755, new_id="1")
    assert {c.kind for c in pair_exact_renames([gone, new])} == {"deleted", "added"}


def test_two_copies_of_one_deleted_file_give_one_rename_and_one_addition() -> None:
    gone = FileChange(path="a", kind="deleted", old_mode=0o100644, old_id="1")
    first = FileChange(path="b", kind="added", new_mode=0o100644, new_id="1")
    second = FileChange(path="c", kind="added", new_mode=0o100644, new_id="1")
    result = pair_exact_renames([second, gone, first])
    assert [(c.kind, c.path, c.old_path) for c in result] == [
        ("renamed", "b", "a"),
        ("added", "c", None),
    ]


def test_manifest_paths_cover_old_names_and_nested_projects() -> None:
    changes = [
        FileChange(path="x/uv.lock", kind="renamed", old_path="uv.lock"),
        FileChange(path="src/a.py", kind="modified"),
    ]
    assert manifest_paths(changes) == ("x/pyproject.toml", "pyproject.toml")


def test_summary_never_carries_added_text() -> None:
    summary = summarise(FileChange(path="a", kind="added", new_mode=0o120000, symlink_target="b"))
    assert (summary.type, summary.mode, summary.symlink_target) == ("symlink", "120000", "b")
    assert not hasattr(summary, "added")
