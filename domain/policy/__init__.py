"""Policy: allowed and protected paths, secrets, manifests and the violations they raise."""
