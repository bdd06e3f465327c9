"""Errors raised for bad pose data.

One exception type for "the input is wrong" so that nodes can show a message that says what
is wrong and where, while programming errors keep their own types.
"""
from __future__ import annotations


class PoseDataError(ValueError):
    """Input pose data is malformed; the message names what is wrong and where."""
