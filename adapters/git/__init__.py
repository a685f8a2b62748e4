"""Git through dulwich: change collection and scratch checkouts."""
