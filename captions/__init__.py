"""Text expansion of fine-grained action labels into fuller prompts (spec 1 "Text"): an
offline expander from a vocabulary of gymnastics elements (vocabulary.py, expand.py), and an
OpenAI-compatible chat endpoint when one is configured (endpoint.py)."""
