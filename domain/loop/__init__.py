"""The loop: the pure steps of one run (prompt, acceptance, rounds, evidence) and the daemon."""
