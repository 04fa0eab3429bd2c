"""Path helpers shared by the difftest scripts."""

import os

HERE = os.path.dirname(os.path.abspath(__file__))


def default_path(rel):
    """`rel` if it exists relative to the current directory, else relative to the
    repository root (two levels above this script)."""
    if os.path.exists(rel):
        return rel
    alt = os.path.join(HERE, "..", "..", rel)
    return os.path.normpath(alt) if os.path.exists(alt) else rel
