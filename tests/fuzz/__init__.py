"""Fuzzing: provider payloads, configs and descriptions.

Each test has a quick form that CI runs and a full form marked `slow` with at least 10,000
generated inputs (`pytest -m slow tests/fuzz`).
"""
