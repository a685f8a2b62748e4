"""Test support: a scripted OpenAI-compatible model server and the Pi agent-dir set-up."""
