"""The library API of `check`: collect, judge by policy, run gates."""
