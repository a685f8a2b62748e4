"""The sandbox: the bubblewrap command line that confines an agent or a gate, and when to use it."""
