"""Where engineering-loop keeps its own files: XDG homes, and never inside a worktree."""

from __future__ import annotations

from domain.kernel.locations import default_transcript_dir, is_within, state_home


def test_state_home_prefers_an_absolute_xdg_state_home() -> None:
    assert state_home({"XDG_STATE_HOME": "/s", "HOME": "/h"}) == "/s"


def test_state_home_falls_back_to_home_when_xdg_state_home_is_relative() -> None:
    assert state_home({"XDG_STATE_HOME": "state", "HOME": "/h"}) == "/h/.local/state"


def test_state_home_is_none_without_an_absolute_home() -> None:
    assert state_home({"HOME": "relative"}) is None


def test_default_transcript_dir_is_per_user_not_per_cwd() -> None:
    assert default_transcript_dir({"HOME": "/h"}) == "/h/.local/state/engineering-loop/transcripts"
    assert default_transcript_dir({}) is None


def test_is_within_is_lexical_and_segment_aware() -> None:
    assert is_within("/a/b/../b/c", "/a/b")
    assert is_within("/a/b", "/a/b/")
    assert not is_within("/a/bc", "/a/b")
