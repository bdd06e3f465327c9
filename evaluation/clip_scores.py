"""Text-video agreement of generated videos (spec 3): CLIP-SIM, the mean over frames of the
cosine between the frame's and the prompt's CLIP embeddings (x 100, as usually reported), and
PickScore, the same cosine from the PickScore model scaled by its logit scale (mean over
frames). Both load a transformers CLIP model and processor from a local folder (e.g.
openai/clip-vit-large-patch14, yuvalkirstain/PickScore_v1 downloaded by the user) and never
fetch anything."""
from __future__ import annotations

from pathlib import Path
from typing import Union

import numpy as np
import torch

from ..skeleton.errors import PoseDataError


class ClipScorer:
    def __init__(self, folder: Union[str, Path]) -> None:
        from transformers import CLIPModel, CLIPProcessor

        folder = Path(folder)
        if not (folder / "config.json").is_file():
            raise PoseDataError(f"no CLIP model in {folder} (a folder with config.json, the weights and the "
                                "processor files, as save_pretrained writes them)")
        self.model = CLIPModel.from_pretrained(str(folder), local_files_only=True).eval()
        self.processor = CLIPProcessor.from_pretrained(str(folder), local_files_only=True)

    @torch.no_grad()
    def cosines(self, frames: np.ndarray, prompt: str) -> np.ndarray:
        """[T] cosine similarity of each frame [T,H,W,3] uint8 with the prompt."""
        inputs = self.processor(text=[prompt], images=list(frames), return_tensors="pt", padding="max_length",
                                truncation=True, max_length=self.model.config.text_config.max_position_embeddings)
        image = self.model.get_image_features(pixel_values=inputs["pixel_values"])
        text = self.model.get_text_features(input_ids=inputs["input_ids"], attention_mask=inputs.get("attention_mask"))
        image = getattr(image, "pooler_output", image)
        text = getattr(text, "pooler_output", text)
        image = image / image.norm(dim=-1, keepdim=True)
        text = text / text.norm(dim=-1, keepdim=True)
        return (image @ text.T).squeeze(-1).numpy()

    def clip_sim(self, frames: np.ndarray, prompt: str) -> float:
        return float(100 * self.cosines(frames, prompt).mean())

    def pick_score(self, frames: np.ndarray, prompt: str) -> float:
        return float(self.model.logit_scale.exp().item() * self.cosines(frames, prompt).mean())
