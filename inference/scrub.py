"""Removing a secret (the API key) from text before it is stored or printed.

``scrub(text, secret)`` replaces the secret in any letter case, and any part of it that starts like it
and is at least ``MIN_PREFIX`` characters long (a server that echoes "sk-ant-api03-AbC..." truncated or
upper-cased), by ``[api key]``. Use it on anything that came from a server or an SDK.
"""

from __future__ import annotations

MIN_PREFIX = 8
MARK = "[api key]"


def scrub(text: str, secret: str) -> str:
    secret = secret.strip()
    if not secret or not text:
        return text
    probe = secret[: max(1, min(MIN_PREFIX, len(secret)))].casefold()
    folded_secret = secret.casefold()
    folded = text.casefold()
    if len(folded) != len(text):  # case folding changed lengths (e.g. "ß"): compare per character
        return _scrub_slow(text, folded_secret, len(probe))
    out, i = [], 0
    while (start := folded.find(probe, i)) >= 0:
        end = start + len(probe)
        while end < len(text) and end - start < len(folded_secret) and folded[end] == folded_secret[end - start]:
            end += 1
        out.append(text[i:start] + MARK)
        i = end
    out.append(text[i:])
    return "".join(out)


def _scrub_slow(text: str, folded_secret: str, probe_len: int) -> str:
    out, i, n = [], 0, len(text)
    while i < n:
        length = 0
        while i + length < n and length < len(folded_secret) and \
                text[i + length].casefold() == folded_secret[length]:
            length += 1
        if length >= probe_len:
            out.append(MARK)
            i += length
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
