"""Gates: uv's option grammar, project facts, gate selection, preparation, environment and runs."""
