"""The `gate prepare` and `gate run` commands."""
