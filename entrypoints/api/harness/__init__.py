"""The library API of harnesses: run, normalise, validate models."""
