"""Start and stop the embedded ComfyUI headless on loopback, loading this package in place.

The server gets a throwaway base directory (input/, output/, models/, custom_nodes/, logs) so
runs never touch a user's files. This package is loaded through an extra_model_paths
`custom_nodes` entry that names a folder holding only a link to the repository, so ComfyUI
imports it from where it is and loads no other node packs.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

from .client import ComfyClient
from .install import ensure_comfyui

REPO_DIR = Path(__file__).resolve().parent.parent
DEFAULT_HOST_DIR = REPO_DIR / ".host" / "comfyui"
PACKAGE_LINK_NAME = "ComfyUI-FinePhys"
# model folders a user's models directory may hold (ComfyUI's names)
MODEL_FOLDERS = ("checkpoints", "vae", "loras", "animatediff_models", "finephys", "controlnet", "embeddings")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ComfyServer:
    """A real ComfyUI process. Use as a context manager, or call start() and stop().

    base_dir: the server's base directory (a new temporary one by default, removed on stop).
    """

    def __init__(
        self,
        comfy_dir: Path = DEFAULT_HOST_DIR,
        base_dir: Optional[Path] = None,
        port: Optional[int] = None,
        python: str = sys.executable,
        startup_timeout: float = 180.0,
        extra_args: tuple[str, ...] = (),
        model_dirs: tuple[Path, ...] = (),
    ):
        self.comfy_dir = Path(comfy_dir)
        self._own_base = base_dir is None
        self.base_dir = Path(base_dir) if base_dir is not None else None
        self.port = port
        self.python = python
        self.startup_timeout = startup_timeout
        self.extra_args = extra_args
        self.model_dirs = tuple(Path(d).resolve() for d in model_dirs)
        self.process: Optional[subprocess.Popen] = None
        self.startup_seconds: Optional[float] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.base_dir / "comfyui.log"

    @property
    def input_dir(self) -> Path:
        return self.base_dir / "input"

    @property
    def output_dir(self) -> Path:
        return self.base_dir / "output"

    @property
    def models_dir(self) -> Path:
        return self.base_dir / "models"

    def client(self, timeout: float = 30.0) -> ComfyClient:
        return ComfyClient(self.url, timeout=timeout)

    def _prepare_base(self) -> Path:
        if self.base_dir is None:
            self.base_dir = Path(tempfile.mkdtemp(prefix="finephys-comfy-"))
        for sub in ("custom_nodes", "input", "output", "temp", "user", "models/finephys"):
            (self.base_dir / sub).mkdir(parents=True, exist_ok=True)
        links = self.base_dir / "node_links"
        links.mkdir(exist_ok=True)
        link = links / PACKAGE_LINK_NAME
        if not link.exists():
            link.symlink_to(REPO_DIR, target_is_directory=True)
        config = self.base_dir / "extra_model_paths.yaml"
        text = f"finephys_dev:\n    custom_nodes: {links}\n"
        for k, root in enumerate(self.model_dirs):
            # a user's models folder in ComfyUI's layout, searched after the server's own
            text += f"user_models_{k}:\n    base_path: {root}\n" + "".join(
                f"    {folder}: {folder}\n" for folder in MODEL_FOLDERS)
        config.write_text(text)
        return config

    def start(self) -> "ComfyServer":
        ensure_comfyui(self.comfy_dir)
        config = self._prepare_base()
        self.port = self.port or free_port()
        cmd = [
            self.python, "main.py", "--cpu", "--listen", "127.0.0.1", "--port", str(self.port),
            "--base-directory", str(self.base_dir),
            "--extra-model-paths-config", str(config),
            "--database-url", "sqlite:///:memory:",
            "--disable-auto-launch", "--disable-api-nodes",
            *self.extra_args,
        ]
        env = dict(os.environ, PYTHONUNBUFFERED="1", HF_HUB_OFFLINE="1",
                   TRANSFORMERS_OFFLINE="1", DO_NOT_TRACK="1")
        log = open(self.log_path, "ab")
        began = time.monotonic()
        self.process = subprocess.Popen(
            cmd, cwd=self.comfy_dir, stdout=log, stderr=subprocess.STDOUT, env=env,
            start_new_session=True,  # its own process group: stop() ends every child too
        )
        log.close()
        client = self.client(timeout=5.0)
        while time.monotonic() - began < self.startup_timeout:
            if self.process.poll() is not None:
                tail = self.log_tail()
                self.stop()
                raise RuntimeError(f"ComfyUI exited during start-up (code {self.process.returncode}):\n{tail}")
            if client.alive():
                self.startup_seconds = time.monotonic() - began
                return self
            time.sleep(0.25)
        tail = self.log_tail()
        self.stop()
        raise TimeoutError(f"ComfyUI did not answer within {self.startup_timeout:.0f} s:\n{tail}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=5)
        if self._own_base and self.base_dir is not None and self.base_dir.exists():
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __enter__(self) -> "ComfyServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
