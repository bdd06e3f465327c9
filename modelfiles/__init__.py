"""Trained networks stored as <name>.safetensors + <name>.json (config), loaded without
unpickling anything. One loader for every model kind, so every kind reports a missing file,
an unreadable file or weights of another architecture the same way (naming the file)."""
from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Callable, ClassVar, Optional, TypeVar, Union

import torch

from ..skeleton.errors import PoseDataError

Config = TypeVar("Config")
Tagged = TypeVar("Tagged", bound="TaggedConfig")


class TaggedConfig:
    """For dataclass configs stored as JSON with a "model" entry naming their kind, so a
    config of another model is refused by name rather than half-read."""

    MODEL_KIND: ClassVar[str]
    DESCRIPTION: ClassVar[str]  # "PhysNet config", used in messages

    def to_json(self) -> str:
        return json.dumps({"model": self.MODEL_KIND, **asdict(self)}, indent=1)

    @classmethod
    def from_json(cls: type[Tagged], text: str, source: str = "") -> Tagged:
        what = source or cls.DESCRIPTION
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{what}: not JSON ({exc})") from exc
        if not isinstance(data, dict) or data.pop("model", None) != cls.MODEL_KIND:
            raise ValueError(f"{what}: not a {cls.DESCRIPTION} (no \"model\": \"{cls.MODEL_KIND}\")")
        try:
            return cls(**data)
        except TypeError as exc:
            raise ValueError(f"{what}: {exc}") from exc

    def save(self, path: Union[str, Path]) -> None:
        Path(path).write_text(self.to_json())


def load_safetensors_model(
    weights: Union[str, Path],
    config: Optional[Union[str, Path]],
    what: str,
    parse_config: Callable[[str, str], Config],
    build: Callable[[Config], torch.nn.Module],
    describe: Callable[[Config, Path], str],
) -> tuple[torch.nn.Module, Config]:
    """(model in eval mode, config) from `weights` and its config (beside it by default).

    what: the model's name in messages ("lifter"); parse_config(text, file name) raises
    ValueError for a config of another kind; describe(config, config path) says what the
    weights were expected to fit. Every failure is a PoseDataError naming the file."""
    from safetensors.torch import load_file

    weights = Path(weights)
    config_path = Path(config) if config else weights.with_suffix(".json")
    for path, kind in ((weights, "weights"), (config_path, "config")):
        if not path.is_file():
            raise PoseDataError(f"{what} {kind} file {path.name} not found in {path.parent}")
    try:
        cfg = parse_config(config_path.read_text(), config_path.name)
    except ValueError as exc:
        raise PoseDataError(str(exc)) from exc
    try:
        state = load_file(str(weights))
    except Exception as exc:
        raise PoseDataError(f"{weights.name}: not a readable safetensors file ({exc})") from exc
    model = build(cfg)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise PoseDataError(f"{weights.name}: these weights do not fit {describe(cfg, config_path)} ({first})") from exc
    model.eval()
    return model, cfg


# Options that say where files go, not what is trained: left out of the command recorded in
# the weights, so the record names no folder of the machine that trained them.
LOCATION_OPTIONS = ("--out", "--cache")


def recorded_command(script: str, argv: Optional[list[str]] = None) -> str:
    """The training command as stored in the weights' metadata: `script` and its arguments
    (argv, default: this process's), without LOCATION_OPTIONS (either `--out X` or `--out=X`)."""
    kept, skip = [], False
    for arg in sys.argv[1:] if argv is None else argv:
        if skip:
            skip = False
            continue
        if arg in LOCATION_OPTIONS:
            skip = True
            continue
        if arg.split("=", 1)[0] in LOCATION_OPTIONS:
            continue
        kept.append(arg)
    return " ".join([script, *kept])


def file_digest(path: Union[str, Path]) -> str:
    """The first 10 hex digits of the SHA-1 of a file's bytes, for cache keys (a weights file
    names the caches made with it). Read once per file version (path, size, mtime)."""
    path = Path(path).resolve()
    stat = path.stat()
    return _file_digest(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=32)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()[:10]
