"""Settings the agent should never have written."""

# AWS's documented example key id, standing in for a real leaked credential.
AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
