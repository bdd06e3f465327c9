"""Image + skeleton pairs for pre-training the adapter (HumanArt-style): a COCO-format
keypoint JSON (images [{id, file_name, width, height, caption?}], annotations [{image_id,
keypoints [17*3], bbox}]), one pair per image with its largest annotated person, converted
to H36M-17. Images whose file is missing or that have no person are reported."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import numpy as np

from ..skeleton.convert import to_h36m
from ..skeleton.errors import PoseDataError
from ..skeleton.sequence import Pose2DSequence


@dataclass(frozen=True)
class ImagePair:
    image: Path
    caption: str
    pose: Pose2DSequence  # one frame, in the image's pixels


def read_image_pairs(annotation: Union[str, Path], image_root: Union[str, Path],
                     default_caption: str = "a person") -> tuple[list[ImagePair], list[tuple[str, str]]]:
    """(pairs, skipped [(file, reason)])."""
    try:
        data = json.loads(Path(annotation).read_text())
        images = {int(im["id"]): im for im in data["images"]}
        annotations = data["annotations"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise PoseDataError(f"{Path(annotation).name}: not a COCO keypoint file ({exc})") from exc
    best: dict[int, dict] = {}
    for ann in annotations:
        kp = ann.get("keypoints")
        if not kp or len(kp) != 51 or not any(v > 0 for v in kp[2::3]):
            continue
        area = float(ann.get("bbox", [0, 0, 0, 0])[2] * ann.get("bbox", [0, 0, 0, 0])[3])
        if ann["image_id"] not in best or area > best[ann["image_id"]]["_area"]:
            best[ann["image_id"]] = {**ann, "_area": area}
    pairs, skipped = [], []
    for image_id, im in sorted(images.items()):
        path = Path(image_root) / im["file_name"]
        if image_id not in best:
            skipped.append((im["file_name"], "no annotated person"))
            continue
        if not path.is_file():
            skipped.append((im["file_name"], f"image not found in {Path(image_root).name}/"))
            continue
        kp = np.asarray(best[image_id]["keypoints"], np.float32).reshape(1, 17, 3)
        # COCO visibility 0 = not labelled, 1 = labelled but hidden, 2 = visible
        positions, confidence = to_h36m(kp[..., :2], (kp[..., 2] > 0).astype(np.float32), "coco17")
        pose = Pose2DSequence(positions, confidence, (int(im["width"]), int(im["height"])), source=im["file_name"])
        caption = str(im.get("caption") or im.get("description") or default_caption)
        pairs.append(ImagePair(path, caption, pose))
    return pairs, skipped
