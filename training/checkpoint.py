"""Resumable training state shared by the training scripts: <out>/<name>.resume/ holds the
model (safetensors), the optimiser and schedule states (torch.save; read back with
weights_only=True) and the step; it is removed once the final weights are written."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file


class ResumeState:
    def __init__(self, folder: Path, accelerator) -> None:
        self.folder, self.accelerator = Path(folder), accelerator

    def load(self, model, optimizer, schedule) -> int:
        """Restore model, optimiser and schedule if a state is there; the step to go on from."""
        if not (self.folder / "state.json").is_file():
            return 0
        self.accelerator.unwrap_model(model).load_state_dict(load_file(self.folder / "model.safetensors"))
        optimizer.load_state_dict(torch.load(self.folder / "optimizer.pt", weights_only=True))
        schedule.load_state_dict(torch.load(self.folder / "schedule.pt", weights_only=True))
        return int(json.loads((self.folder / "state.json").read_text())["step"])

    def save(self, model, optimizer, schedule, step: int) -> None:
        self.folder.mkdir(exist_ok=True)
        save_file(self.accelerator.unwrap_model(model).state_dict(), self.folder / "model.safetensors")
        torch.save(optimizer.state_dict(), self.folder / "optimizer.pt")
        torch.save(schedule.state_dict(), self.folder / "schedule.pt")
        (self.folder / "state.json").write_text(json.dumps({"step": step}))

    def save_final(self, model, weights_path: Path, metadata: dict, config) -> None:
        """The finished weights (safetensors with metadata) and config JSON beside them; the
        resume state has done its job and goes."""
        weights = {k: v.contiguous() for k, v in self.accelerator.unwrap_model(model).state_dict().items()}
        save_file(weights, weights_path, metadata=metadata)
        config.save(weights_path.with_suffix(".json"))
        shutil.rmtree(self.folder, ignore_errors=True)


class RunningLog:
    """Means of each logged value since the last line, printed every `every` steps and at the
    last step, so long runs show progress without a line per step."""

    def __init__(self, log, total_steps: int, every: int) -> None:
        self.log, self.total, self.every = log, total_steps, max(1, every)
        self.values: dict[str, list[float]] = {}

    def add(self, step: int, values: dict[str, float], suffix: str = "") -> None:
        for key, value in values.items():
            self.values.setdefault(key, []).append(float(value))
        if step % self.every == 0 or step == self.total:
            means = " ".join(f"{k} {sum(v) / len(v):.4f}" for k, v in self.values.items())
            self.log(f"step {step}/{self.total} {means}{suffix}")
            self.values = {}
