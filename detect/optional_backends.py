"""Pose backends that run only when the user has their weight files: offline first.

Nothing here downloads anything. A backend looks for its files in the folders it is given
(inside ComfyUI: every folder registered as "finephys", normally ComfyUI/models/finephys) and,
when they are not there, raises DetectorUnavailable with every path it looked at and where
the file belongs, so the user can fix it without reading code.

- OpenPose body (18 keypoints, our "openpose18"), multi-person, through controlnet_aux's
  body estimator. Weights: body_pose_model.safetensors (preferred) or body_pose_model.pth as
  published in lllyasviel/Annotators; a .pth is read with torch's weights-only loader, never
  by full unpickling, since a pickle can run arbitrary code when loaded.
- DWPose (ONNX) is recognised and its requirements are checked, but inference is not
  implemented yet: constructing it always raises DetectorUnavailable saying what is missing.
"""
from __future__ import annotations

import importlib.util
import pickle
import warnings
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from .backend import DetectorUnavailable, PersonDetection, PoseBackend, check_image

BACKEND_NAMES = ("mediapipe", "openpose", "dwpose")
MODEL_FOLDER_HINT = "ComfyUI/models/finephys"

# kind -> (subfolder of a model folder, accepted file names in order of preference).
WEIGHT_FILES: dict[str, tuple[str, tuple[str, ...]]] = {
    "openpose": ("openpose", ("body_pose_model.safetensors", "body_pose_model.pth")),
    "dwpose_detector": ("dwpose", ("yolox_l.onnx",)),
    "dwpose_pose": ("dwpose", ("dw-ll_ucoco_384.onnx",)),
}

OPENPOSE_NUM_KEYPOINTS = 18
_TORCH_SUFFIXES = {".pth", ".pt", ".bin", ".ckpt"}


# ----------------------------------------------------------------------------- finding files
def default_search_dirs() -> list[Path]:
    """The folders ComfyUI has registered as "finephys" (models/finephys plus any
    extra_model_paths entries), or [] outside ComfyUI: the core must import without it."""
    try:
        import folder_paths  # ComfyUI's module; absent when the core runs on its own
    except ImportError:
        return []
    try:
        return [Path(p) for p in folder_paths.get_folder_paths("finephys")]
    except KeyError:  # ComfyUI is there but our nodes have not registered the folder yet
        return []


def candidate_paths(kind: str, search_dirs: Sequence[Path]) -> list[Path]:
    """Every path find_weights looks at for `kind`, in the order it looks: per folder, the
    kind's subfolder first, then the folder itself."""
    if kind not in WEIGHT_FILES:
        raise ValueError(f"unknown weight kind {kind!r}; known: {', '.join(WEIGHT_FILES)}")
    subfolder, names = WEIGHT_FILES[kind]
    paths: list[Path] = []
    for directory in search_dirs:
        directory = Path(directory)
        paths += [directory / subfolder / name for name in names]
        paths += [directory / name for name in names]
    return paths


def find_weights(kind: str, search_dirs: Sequence[Path]) -> Path:
    """The first existing weight file for `kind` ("openpose", "dwpose_detector",
    "dwpose_pose") among candidate_paths(kind, search_dirs).

    Raises DetectorUnavailable listing every path looked at and where the file belongs."""
    paths = candidate_paths(kind, search_dirs)
    for path in paths:
        if path.is_file():
            return path
    subfolder, names = WEIGHT_FILES[kind]
    if paths:
        looked = "looked at:\n" + "\n".join(f"  {p}" for p in paths)
    else:
        looked = ("there was no model folder to look in (ComfyUI's models/finephys is only known "
                  "when running inside ComfyUI)")
    wanted = " or ".join(names)
    if kind == "openpose":
        wanted = (f"{names[0]} (preferred) or {names[1]} (the OpenPose body model as published "
                  "in the lllyasviel/Annotators repository)")
    raise DetectorUnavailable(
        f"{kind} weights not found; {looked}\n"
        f"Put {wanted} in {MODEL_FOLDER_HINT}/{subfolder}/ (nothing is downloaded automatically)."
    )


# ----------------------------------------------------------------------------- loading weights
def _read_state_dict(path: Path) -> Mapping[str, Any]:
    """A weight file's tensors by name: .safetensors via safetensors, torch files via the
    weights-only unpickler (plain containers and tensors only)."""
    import torch

    suffix = path.suffix.lower()
    if suffix == ".safetensors":
        import safetensors.torch

        try:
            return safetensors.torch.load_file(str(path), device="cpu")
        except Exception as exc:  # SafetensorError, OSError, ...: all mean "not usable"
            raise DetectorUnavailable(
                f"{path} is not a readable safetensors file ({type(exc).__name__}: {exc}); "
                "it may be truncated or not a safetensors file at all"
            ) from exc
    if suffix in _TORCH_SUFFIXES:
        try:
            data = torch.load(str(path), weights_only=True, map_location="cpu")
        except pickle.UnpicklingError as exc:
            detail = _unpickler_detail(exc)
            if "global" in detail.lower() or "reduce" in detail.lower():
                # The weights-only unpickler met a Python object other than tensors and plain
                # containers. Loading it fully could run code, so the file is refused.
                raise DetectorUnavailable(
                    f"{path} was refused: it holds pickled Python objects other than tensors "
                    f"({detail}), and torch files are only ever loaded weights-only, never fully "
                    "unpickled. Use a plain state dict (tensors by name) or a .safetensors file."
                ) from exc
            raise DetectorUnavailable(
                f"{path} is not a readable torch file (weights-only unpickler: {detail})"
            ) from exc
        except Exception as exc:  # truncated zip, not a torch file, ...
            raise DetectorUnavailable(
                f"{path} is not a readable torch file ({type(exc).__name__}: {exc})"
            ) from exc
        if not isinstance(data, Mapping):
            raise DetectorUnavailable(
                f"{path} holds a {type(data).__name__}, not a state dict (tensors by name)"
            )
        return data
    raise DetectorUnavailable(
        f"{path}: unsupported weight file type {suffix!r}; use .safetensors or .pth"
    )


def _unpickler_detail(exc: Exception) -> str:
    """The useful part of torch's weights-only error: the line after "WeightsUnpickler
    error:", without torch's advice to allowlist classes or to load with weights_only=False
    (neither is something a user should do for a file they got from somewhere)."""
    text = str(exc)
    marker = "WeightsUnpickler error:"
    if marker in text:
        text = text.split(marker, 1)[1]
    text = text.split("Check the documentation", 1)[0].split(" Please use", 1)[0]
    text = " ".join(text.split())
    return (text[:200] or type(exc).__name__).rstrip(".")


def load_checked_state_dict(path: Path, model: Any) -> dict[str, Any]:
    """The state dict in `path`, checked against `model` (a torch.nn.Module) and keyed by the
    model's parameter names.

    lllyasviel's body_pose_model.pth names layers without the model's block prefix
    ("conv1_1.weight" for the model's "model0.conv1_1.weight"; controlnet_aux's util.transfer
    does the same mapping), while a state dict saved from the model has the prefix; both are
    accepted. Missing keys, unexpected keys, shape mismatches, non-float tensors and non-finite
    values raise DetectorUnavailable naming the file."""
    import torch

    raw = _read_state_dict(path)
    bad_names = [k for k in raw if not isinstance(k, str)]
    if bad_names:
        raise DetectorUnavailable(f"{path}: state dict keys must be strings, got {bad_names[:3]}")
    expected = model.state_dict()
    out: dict[str, Any] = {}
    missing: list[str] = []
    used: set[str] = set()
    for key in expected:
        short = key.split(".", 1)[1] if "." in key else key
        source = key if key in raw else short if short in raw else None
        if source is None:
            missing.append(key)
        else:
            out[key] = raw[source]
            used.add(source)
    unexpected = sorted(set(raw) - used)
    problems: list[str] = []
    if missing:
        problems.append(f"{len(missing)} missing keys (e.g. {', '.join(missing[:4])})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected keys (e.g. {', '.join(unexpected[:4])})")
    for key, value in out.items():
        if not isinstance(value, torch.Tensor):
            problems.append(f"{key} is a {type(value).__name__}, not a tensor")
        elif tuple(value.shape) != tuple(expected[key].shape):
            problems.append(f"{key} has shape {list(value.shape)}, expected {list(expected[key].shape)}")
        elif not value.is_floating_point():
            problems.append(f"{key} has dtype {value.dtype}, expected floating point")
        elif not bool(torch.isfinite(value).all()):
            # Parses fine but would make every heatmap NaN: no detections, no error.
            problems.append(f"{key} contains NaN or infinite values")
        if len(problems) >= 6:
            break
    if problems:
        raise DetectorUnavailable(
            f"{path} does not match the {type(model).__name__} weights: " + "; ".join(problems)
        )
    return out


def _torch_device(device: str) -> str:
    """'cpu', 'cuda' (must be available) or 'auto' (CUDA when available, else CPU)."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        return "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DetectorUnavailable(f"device {device!r} was asked for but CUDA is not available here")
        return device
    raise ValueError(f"unknown device {device!r}; use 'cpu', 'cuda' or 'auto'")


def _import_controlnet_aux_body() -> tuple[type, type]:
    """controlnet_aux's Body estimator and bodypose_model classes.

    Importing any controlnet_aux submodule runs its package __init__, which imports every
    annotator (timm, segment-anything, ...): about 3 s and a page of FutureWarnings from other
    libraries that say nothing about OpenPose, hence the lazy import and the muted warnings."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from controlnet_aux.open_pose.body import Body
            from controlnet_aux.open_pose.model import bodypose_model
    except ImportError as exc:
        raise DetectorUnavailable(
            "the OpenPose backend needs the controlnet_aux package: pip install controlnet_aux==0.0.10"
        ) from exc
    return Body, bodypose_model


# ----------------------------------------------------------------------------- OpenPose
class OpenPoseBackend:
    """OpenPose body model (CMU, 18 keypoints in the OpenPose-18 / COCO-18 order), run by
    controlnet_aux's body estimator. Multi-person: detect() returns everyone found, the
    highest total score first.

    Weights are loaded from `weights_path` only (see find_weights), CPU unless `device` is
    "cuda" or "auto" with CUDA present. The estimator resizes every image to 184 pixels high
    (its single 0.5 x 368 scale), so small people in large frames get few heatmap cells: give
    it crops, as the tracker does.
    """

    name = "openpose"
    keypoint_format = "openpose18"
    single_person = False

    def __init__(self, weights_path: str | Path, device: str = "cpu") -> None:
        import torch

        self.weights_path = Path(weights_path)
        if not self.weights_path.is_file():
            raise DetectorUnavailable(
                f"OpenPose weights {self.weights_path} not found; put body_pose_model.safetensors "
                f"or body_pose_model.pth in {MODEL_FOLDER_HINT}/openpose/"
            )
        Body, bodypose_model = _import_controlnet_aux_body()
        self.device = _torch_device(device)
        # Built on the meta device (shapes only): random initialisation of its 52 M
        # parameters would take longer than reading the file, and be overwritten anyway.
        with torch.device("meta"):
            model = bodypose_model()
        state = load_checked_state_dict(self.weights_path, model)
        # assign=True makes the loaded tensors the parameters (a meta model has no storage
        # to copy into); float32 and contiguous so that fp16 files and views work as well.
        state = {k: v.to(torch.float32).contiguous() for k, v in state.items()}
        model.load_state_dict(state, strict=True, assign=True)
        model.eval().to(self.device)
        # Body.__init__ reads its file with a bare torch.load (full unpickling), so the
        # estimator is made without it and given the model checked and loaded above; Body's
        # __call__ only needs self.model.
        self._estimator = Body.__new__(Body)
        self._estimator.model = model

    def detect(self, image: np.ndarray) -> list[PersonDetection]:
        """image [H,W,3] uint8 RGB -> people, each keypoints [18,2] (pixels of `image`, x right,
        y down, continuous: the centre of pixel (i, j) is (i + 0.5, j + 0.5), as for MediaPipe)
        and confidence [18] in [0,1] (0 = not found, its position then 0)."""
        import torch

        if self._estimator is None:
            raise RuntimeError("OpenPoseBackend.detect called after close()")
        image = check_image(image)
        # The network was trained on BGR input (Caffe); controlnet_aux's detect_poses flips
        # RGB to BGR before calling the estimator in the same way.
        bgr = np.ascontiguousarray(image[:, :, ::-1])
        with torch.inference_mode():
            candidate, subset = self._estimator(bgr)
        # candidate [N,4]: x, y (integer pixel indices of heatmap peaks at image size), peak
        # score, id. subset [P,20]: per person 18 indices into candidate (-1 = missing), then
        # the total score and the number of parts.
        candidate = np.asarray(candidate, dtype=np.float64).reshape(-1, 4)
        subset = np.asarray(subset, dtype=np.float64).reshape(-1, 20)
        people: list[tuple[float, PersonDetection]] = []
        for row in subset:
            index = row[:OPENPOSE_NUM_KEYPOINTS].astype(int)
            found = index >= 0
            keypoints = np.zeros((OPENPOSE_NUM_KEYPOINTS, 2), dtype=np.float32)
            confidence = np.zeros(OPENPOSE_NUM_KEYPOINTS, dtype=np.float32)
            keypoints[found] = candidate[index[found], :2] + 0.5  # pixel index -> pixel centre
            # Heatmap peaks are not probabilities and can exceed 1 slightly.
            confidence[found] = np.clip(candidate[index[found], 2], 0.0, 1.0)
            people.append((float(row[18]), PersonDetection(keypoints, confidence)))
        people.sort(key=lambda item: -item[0])
        return [person for _, person in people]

    def close(self) -> None:
        """Drops the model (frees its GPU memory when on CUDA)."""
        self._estimator = None

    def __enter__(self) -> "OpenPoseBackend":
        return self

    def __exit__(self, *_) -> None:
        self.close()


# ----------------------------------------------------------------------------- DWPose
def _onnxruntime_installed() -> bool:
    """Looked up without importing: importing onnxruntime loads its native libraries."""
    return importlib.util.find_spec("onnxruntime") is not None


class DWPoseOnnxBackend:
    """DWPose: a YOLOX-L person detector (yolox_l.onnx) and the DWPose-L whole-body pose model
    (dw-ll_ucoco_384.onnx), run with onnxruntime; the first 17 of its 133 COCO-WholeBody
    keypoints are COCO-17.

    Inference is NOT implemented yet. Only the requirements check exists, and the constructor
    always raises DetectorUnavailable: listing what is missing (the onnxruntime package, the
    two files in models/finephys/dwpose/) or, when all of that is present, saying that the
    backend itself is not implemented.
    """

    name = "dwpose"
    keypoint_format = "coco17"
    single_person = False

    @staticmethod
    def missing_requirements(search_dirs: Sequence[Path]) -> list[str]:
        """What this machine lacks to run DWPose ([] when the package and both files are
        there). The package is looked up without importing it."""
        problems: list[str] = []
        if not _onnxruntime_installed():
            problems.append("the onnxruntime package is not installed: pip install onnxruntime "
                            "(or onnxruntime-gpu)")
        for kind in ("dwpose_detector", "dwpose_pose"):
            try:
                find_weights(kind, search_dirs)
            except DetectorUnavailable as exc:
                problems.append(str(exc))
        return problems

    @classmethod
    def is_available(cls, search_dirs: Sequence[Path]) -> bool:
        """True when onnxruntime and both model files are present (inference is still not
        implemented, so the constructor raises even then)."""
        return not cls.missing_requirements(search_dirs)

    def __init__(self, search_dirs: Optional[Sequence[Path]] = None, **_options: Any) -> None:
        dirs = default_search_dirs() if search_dirs is None else list(search_dirs)
        problems = self.missing_requirements(dirs)
        needs = ("DWPose needs onnxruntime (pip install onnxruntime) and two files, yolox_l.onnx "
                 f"and dw-ll_ucoco_384.onnx, in {MODEL_FOLDER_HINT}/dwpose/.")
        if problems:
            raise DetectorUnavailable(
                "the DWPose backend cannot run here. " + needs + "\nMissing:\n- " + "\n- ".join(problems)
            )
        raise DetectorUnavailable(
            "onnxruntime, yolox_l.onnx and dw-ll_ucoco_384.onnx were found, but DWPose inference "
            "is not implemented in FinePhys yet; use the openpose or mediapipe backend."
        )

    def detect(self, image: np.ndarray) -> list[PersonDetection]:  # pragma: no cover
        raise NotImplementedError("DWPose inference is not implemented yet")

    def close(self) -> None:  # pragma: no cover
        pass


# ----------------------------------------------------------------------------- factory
def make_backend(name: str, search_dirs: Optional[Sequence[Path]] = None, **options: Any) -> PoseBackend:
    """A backend by name: "mediapipe" (MediaPipePoseBackend(**options)), "openpose"
    (weights found in search_dirs unless options has weights_path; other options such as
    device go to OpenPoseBackend) or "dwpose" (raises DetectorUnavailable, see
    DWPoseOnnxBackend). search_dirs=None means default_search_dirs()."""
    if name not in BACKEND_NAMES:
        raise ValueError(f"unknown pose backend {name!r}; choose one of {', '.join(BACKEND_NAMES)}")
    dirs = default_search_dirs() if search_dirs is None else [Path(d) for d in search_dirs]
    if name == "mediapipe":
        from .mediapipe_backend import MediaPipePoseBackend

        return MediaPipePoseBackend(**options)
    if name == "openpose":
        weights = options.pop("weights_path", None)
        return OpenPoseBackend(weights if weights is not None else find_weights("openpose", dirs), **options)
    return DWPoseOnnxBackend(search_dirs=dirs, **options)
