"""The shared kernel: configuration keys, locations, quantities and the environment allowlist."""
