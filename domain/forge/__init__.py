"""The forge: repository, issue and pull-request values, and the pure retry/rate-limit policy."""
