"""The demo's fixed data: the approved issue, the scripted model's replies for each variant and
the scripted provider Pi is pointed at. The model in the demo is a script, not an LLM."""
