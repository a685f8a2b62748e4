"""The importable library API of engineering-loop.

Every function here returns a `returns.result.Result` (or a plain value where nothing can fail)
and takes its adapters as optional keyword arguments, defaulting to the production ones chosen in
`entrypoints.bootstrap`.
"""
