"""Fixtures for the tests that drive real binaries."""

from __future__ import annotations

import pytest

from tests.integration.uv_project import Project, make_project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A throwaway uv project with a committed uv.lock, locked offline."""
    return make_project(tmp_path_factory)
