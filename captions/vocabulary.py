"""Gymnastics elements and what the body does in them, for the offline expander. Keys are
matched as whole words in a lower-cased label; longer keys win (so "switch leap" before
"leap")."""
from __future__ import annotations

# element families: what the whole body does
ELEMENTS: dict[str, str] = {
    "switch leap": "takes off from one leg, swings the front leg up, switches legs in the air and "
                   "lands in a full split position in flight before landing on the front foot",
    "split leap": "takes off from one leg and reaches a full front split in the air, arms extended",
    "straddle jump": "jumps from both feet and opens the legs sideways into a straddle, hands reaching to the toes",
    "split jump": "jumps from both feet into a front split in the air",
    "sissone": "jumps from both feet and lands on one leg with the legs split diagonally",
    "wolf jump": "jumps with one leg tucked and the other stretched forward",
    "tuck jump": "jumps straight up and pulls both knees to the chest",
    "ring leap": "leaps into a split with the back leg bent up so the foot nearly touches the head",
    "leap": "runs, takes off from one leg and flies with the legs split",
    "jump": "takes off from both feet and rises vertically",
    "hop": "takes off from one foot and lands on the same foot",
    "pirouette": "spins on the ball of one foot with the free leg held close",
    "turn": "rotates around the vertical axis on one foot, arms drawn in",
    "back salto": "jumps up and rotates backwards head over heels in the air without touching the floor",
    "front salto": "jumps up and rotates forwards head over heels in the air without touching the floor",
    "side salto": "rotates sideways in the air without hands",
    "double salto": "rotates twice head over heels in one flight",
    "salto": "rotates head over heels in the air without touching the floor",
    "back handspring": "jumps backwards onto the hands, arches over and snaps the feet down",
    "front handspring": "springs forwards onto the hands and vaults over to the feet",
    "handspring": "vaults over the hands and snaps back to the feet",
    "round-off": "runs, turns a quarter onto the hands and snaps both feet together to land facing back",
    "cartwheel": "wheels sideways over the hands, legs passing over the head one after the other",
    "aerial": "turns a cartwheel in the air without hands",
    "walkover": "bends through a bridge over the hands, one leg after the other",
    "flic-flac": "springs backwards through the hands in a fast arch",
    "back flip": "jumps up and rotates backwards head over heels in the air",
    "backflip": "jumps up and rotates backwards head over heels in the air",
    "flip": "rotates head over heels in the air",
}

# modifiers: body shapes, directions
MODIFIERS: dict[str, str] = {
    "tucked": "knees pulled tight to the chest",
    "tuck": "knees pulled tight to the chest",
    "piked": "legs straight and the body folded at the hips",
    "pike": "legs straight and the body folded at the hips",
    "stretched": "the body fully extended and straight",
    "layout": "the body fully extended and straight",
    "straddle": "legs spread wide apart",
    "backward": "moving backwards",
    "forward": "moving forwards",
    "sideward": "moving sideways",
    "twisting": "twisting around the body's long axis",
}

# how many turns around the long axis
TURN_WORDS: dict[str, str] = {
    "0.5": "half", "1/2": "half", "half": "half", "1": "one full", "one": "one full", "full": "one full",
    "1.5": "one and a half", "2": "two full", "double": "two full", "2.5": "two and a half", "3": "three full",
}

SCENE = "on the competition floor of a gymnastics arena, full body in view, sharp, natural motion"
