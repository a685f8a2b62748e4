"""Coding-agent harnesses: Pi, Claude Code and Codex commands, output normalisation and reports."""
