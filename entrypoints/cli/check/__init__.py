"""The `check` command and its summary."""
