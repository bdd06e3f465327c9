"""Offline expansion of a fine-grained label ("switch leap with 0.5 turn") into a description
a text encoder can use: the element's body action, its shape modifiers and its turns, from
captions/vocabulary.py. Labels it does not know are kept and given the scene."""
from __future__ import annotations

import re

from .vocabulary import ELEMENTS, MODIFIERS, SCENE, TURN_WORDS

SUBJECT = "A gymnast"


def _find(label: str, words: dict[str, str]) -> list[str]:
    """Keys found as whole words, longest first, each span used once."""
    found, taken = [], []
    for key in sorted(words, key=len, reverse=True):
        for m in re.finditer(rf"(?<![\w-]){re.escape(key)}(?![\w-])", label):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                found.append(key)
                taken.append((m.start(), m.end()))
                break
    return found


TURN_PHRASE = re.compile(r"(?:with\s+)?(\d+(?:\.\d+)?|\d+/\d+|half|one|full|double)\s*(?:turns?|twists?)\b")


def _turns(label: str) -> tuple[str, str]:
    """(the turn description, the label without its turn phrase)."""
    m = TURN_PHRASE.search(label)
    if not m:
        return "", label
    amount = TURN_WORDS.get(m.group(1), m.group(1))
    article = "a " if amount == "half" else ""
    unit = "turn" if amount in ("half", "one full") else "turns"
    return f"while turning {article}{amount} {unit} around the long axis", label[:m.start()] + label[m.end():]


def expand_label(label: str, subject: str = SUBJECT, scene: str = SCENE) -> str:
    """'switch leap with 0.5 turn' -> a full sentence; raises ValueError on an empty label."""
    text = " ".join(label.strip().split())
    if not text:
        raise ValueError("the label is empty: give an action such as 'switch leap with 0.5 turn'")
    turns, rest = _turns(text.lower())
    elements = _find(rest, ELEMENTS)
    modifiers = [MODIFIERS[k] for k in _find(rest, MODIFIERS)]
    sentence = f"{subject} performs a {text}"
    if elements:
        sentence += ": the " + subject.split()[-1].lower() + " " + "; then ".join(ELEMENTS[e] for e in elements)
    details = [d for d in modifiers + [turns] if d]
    if details:
        sentence += ", " + ", ".join(details)
    return f"{sentence}. {scene[:1].upper()}{scene[1:]}."
