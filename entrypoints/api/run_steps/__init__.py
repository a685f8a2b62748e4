"""The steps of `run`: verification, records and publication (entrypoints.api.run joins them)."""
