"""The library API of gates: prepare, select and run."""
