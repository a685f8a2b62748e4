"""The scripted model: an HTTP server on loopback that plays a fixed script, not an LLM."""
