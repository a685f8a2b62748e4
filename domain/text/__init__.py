"""Untrusted text: bounded lines and JSON documents, long lines and their middles."""
