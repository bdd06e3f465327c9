"""FineGym (Shao et al., CVPR 2020) as training clips: the floor-exercise subsets FX-JUMP,
FX-TURN and FX-SALTO that FinePhys trains on.

Files, as FineGym distributes them (the videos are the user's own downloads, <id>.mp4):
- the annotation JSON: {video_id: {"E_<s>_<e>": {"event": n, "timestamps": [[t0, t1]],
  "segments": {"A_<s>_<e>": {"stages": k, "timestamps": [[a0, a1], ...]}}}}}, event
  timestamps in seconds of the video, element timestamps in seconds from the event's start;
- an element label list: lines "<video_id>_E_<s>_<e>_A_<s>_<e> <class>";
- the category list: lines "Clabel: <class>; set: <set>; Glabel: <g>; (<EV>) <element name>".
A subset is chosen by the categories' event (FX) and their names: JUMP = leaps, jumps, hops
(and sissones), TURN = turns and pirouettes without a salto, SALTO = any salto; or by
explicit set numbers."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Union

from ..skeleton.errors import PoseDataError
from .video_dataset import ClipEntry, DatasetReport

SUBSETS = ("FX-JUMP", "FX-TURN", "FX-SALTO")
_CATEGORY = re.compile(r"Clabel:\s*(\d+);\s*set:\s*(\d+);\s*Glabel:\s*(\d+);\s*\((\w+)\)\s*(.+)$")
_ELEMENT_ID = re.compile(r"^(.+)_(E_\d+_\d+)_(A_\d+_\d+)$")


@dataclass(frozen=True)
class Category:
    label: int
    set: int
    event: str  # "FX", "BB", "UB", "VT"
    name: str


@dataclass(frozen=True)
class FineGymElement:
    video_id: str
    event_key: str
    element_key: str
    label: int
    name: str
    start_s: float  # in the video
    end_s: float


def read_categories(path: Union[str, Path]) -> dict[int, Category]:
    out = {}
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        m = _CATEGORY.match(line.strip())
        if not m:
            raise PoseDataError(f"{Path(path).name} line {number}: not a FineGym category line ({line[:60]!r})")
        out[int(m[1])] = Category(int(m[1]), int(m[2]), m[4], m[5].strip())
    return out


def subset_of(category: Category) -> Optional[str]:
    """FX-JUMP / FX-TURN / FX-SALTO for a floor-exercise category, None otherwise."""
    if category.event != "FX":
        return None
    name = category.name.lower()
    if "salto" in name:
        return "FX-SALTO"
    if re.search(r"\b(leap|jump|hop|sissone)s?\b", name):
        return "FX-JUMP"
    if re.search(r"\b(turn|pirouette)s?\b", name):
        return "FX-TURN"
    return None


def read_elements(annotation: Union[str, Path], labels: Union[str, Path], categories: dict[int, Category],
                  subset: Optional[str] = None, sets: Optional[Iterable[int]] = None) -> list[FineGymElement]:
    """Labelled elements with absolute times, filtered to a subset (or to set numbers)."""
    if subset is not None and subset not in SUBSETS:
        raise PoseDataError(f"unknown FineGym subset {subset!r}; choose one of {', '.join(SUBSETS)}")
    try:
        tree = json.loads(Path(annotation).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise PoseDataError(f"{Path(annotation).name}: not a readable FineGym annotation file ({exc})") from exc
    wanted_sets = set(sets) if sets is not None else None
    out = []
    for number, line in enumerate(Path(labels).read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            ident, label = line.split()
            m = _ELEMENT_ID.match(ident)
            label = int(label)
        except ValueError:
            m = None
        if not m:
            raise PoseDataError(f"{Path(labels).name} line {number}: not '<video>_E_.._A_.. <class>' ({line[:60]!r})")
        category = categories.get(label)
        if category is None:
            raise PoseDataError(f"{Path(labels).name} line {number}: class {label} is not in the category list")
        if subset is not None and subset_of(category) != subset:
            continue
        if wanted_sets is not None and category.set not in wanted_sets:
            continue
        video, event_key, element_key = m[1], m[2], m[3]
        try:
            event = tree[video][event_key]
            event_start = float(event["timestamps"][0][0])
            a0, a1 = event["segments"][element_key]["timestamps"][0][0], event["segments"][element_key]["timestamps"][-1][1]
        except (KeyError, IndexError, TypeError, ValueError):
            raise PoseDataError(f"{ident}: not found in {Path(annotation).name}") from None
        out.append(FineGymElement(video, event_key, element_key, label, category.name,
                                  event_start + float(a0), event_start + float(a1)))
    return out


def elements_to_clips(elements: list[FineGymElement], video_dir: Union[str, Path], clip_frames: int,
                      caption_prefix: str = "") -> DatasetReport:
    """One clip per element whose video is present and long enough: clip_frames frames spread
    evenly over the element (stride chosen from the element's length); the element's name is
    the caption (expand it with captions.expand_label for training)."""
    from ..detect.video import probe_video

    report = DatasetReport()
    for el in elements:
        path = Path(video_dir) / f"{el.video_id}.mp4"
        tag = f"{el.video_id}_{el.event_key}_{el.element_key}"
        if not path.is_file():
            report.skipped.append((tag, f"video {path.name} not in {Path(video_dir).name}/"))
            continue
        try:
            info = probe_video(path)
        except PoseDataError as exc:
            report.skipped.append((tag, str(exc)))
            continue
        fps = info.fps or 30.0
        first, last = int(round(el.start_s * fps)), int(round(el.end_s * fps))
        span = last - first + 1
        if span < clip_frames or (info.frame_count and last >= info.frame_count):
            report.skipped.append((tag, f"element spans {span} frames ({clip_frames} needed) or ends past the video"))
            continue
        stride = max(1, span // clip_frames)
        report.kept.append(ClipEntry(path.resolve(), f"{caption_prefix}{el.name}", first, clip_frames, stride))
    return report
