"""Turns text into answers: the local engine, the tasks, confidence, redaction and the frontier provider.

No Qt, no SQLite, no policy here: everything is usable from a plain Python script.
"""
