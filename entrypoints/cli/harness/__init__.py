"""The `harness run`, `harness normalise` and `models check` commands."""
