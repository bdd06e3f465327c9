"""A small HTTP client for ComfyUI's API (standard library only)."""
from __future__ import annotations

import json
import mimetypes
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable, Optional


class ComfyAPIError(RuntimeError):
    """ComfyUI refused a request; `payload` holds its JSON answer when there is one."""

    def __init__(self, message: str, status: int = 0, payload: Any = None):
        super().__init__(message)
        self.status = status
        self.payload = payload


class PromptFailed(RuntimeError):
    """A prompt ran and ended in an error; `error` is ComfyUI's execution_error payload."""

    def __init__(self, error: dict):
        self.error = error
        super().__init__(
            f"node {error.get('node_id')} ({error.get('node_type')}) failed: "
            f"{error.get('exception_type')}: {error.get('exception_message')}"
        )


class ComfyClient:
    def __init__(self, base_url: str, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.client_id = uuid.uuid4().hex

    def _request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base_url + path, data=data, method=method,
            headers={"Content-Type": "application/json"} if data is not None else {},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def get_json(self, path: str) -> Any:
        status, raw = self._request("GET", path)
        if status != 200:
            raise ComfyAPIError(f"GET {path} -> {status}: {raw[:500]!r}", status)
        return json.loads(raw)

    def alive(self) -> bool:
        try:
            status, _ = self._request("GET", "/system_stats")
            return status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def object_info(self, node_type: Optional[str] = None) -> dict:
        path = "/object_info" if node_type is None else f"/object_info/{urllib.parse.quote(node_type)}"
        return self.get_json(path)

    def submit(self, prompt: dict) -> str:
        """POST /prompt; returns the prompt_id. Raises ComfyAPIError with ComfyUI's
        validation payload on 400."""
        status, raw = self._request("POST", "/prompt", {"prompt": prompt, "client_id": self.client_id})
        try:
            payload = json.loads(raw)
        except json.JSONDecodeError:
            payload = raw.decode(errors="replace")
        if status != 200:
            raise ComfyAPIError(f"prompt rejected ({status}): {json.dumps(payload)[:2000]}", status, payload)
        return payload["prompt_id"]

    def history(self, prompt_id: str) -> Optional[dict]:
        return self.get_json(f"/history/{prompt_id}").get(prompt_id)

    def wait(self, prompt_id: str, timeout: float = 600.0, poll: float = 0.2,
             on_poll: Optional[Callable[[], None]] = None) -> dict:
        """Wait until the prompt finished; return its history entry (success or error)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            entry = self.history(prompt_id)
            if entry and entry.get("status", {}).get("completed") is not None and (
                entry["status"].get("status_str") in ("success", "error")
            ):
                return entry
            if on_poll is not None:
                on_poll()
            time.sleep(poll)
        raise TimeoutError(f"prompt {prompt_id} did not finish within {timeout:.0f} s")

    def run(self, prompt: dict, timeout: float = 600.0) -> dict:
        """Submit and wait; raise PromptFailed with the execution_error on failure."""
        entry = self.wait(self.submit(prompt), timeout=timeout)
        error = execution_error(entry)
        if error is not None:
            raise PromptFailed(error)
        return entry

    def interrupt(self) -> None:
        """Stop the prompt that is running (the UI's Cancel)."""
        self._request("POST", "/interrupt", {})

    def free(self) -> None:
        """Unload models and drop cached node outputs, so identical prompts run again."""
        self._request("POST", "/free", {"unload_models": True, "free_memory": True})

    def set_setting(self, key: str, value: Any) -> None:
        """POST /settings/<key>: the editor's user setting (what its settings dialog stores)."""
        status, raw = self._request("POST", f"/settings/{urllib.parse.quote(key)}", value)
        if status != 200:
            raise ComfyAPIError(f"POST /settings/{key} -> {status}: {raw[:200]!r}", status)

    def upload(self, path: Path) -> str:
        """POST /upload/image (which stores any file type) into the input folder; returns the
        name to give a loader node."""
        path = Path(path)
        boundary = uuid.uuid4().hex
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        body = b"".join([
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{path.name}\"\r\n"
            f"Content-Type: {mime}\r\n\r\n".encode(), path.read_bytes(), b"\r\n",
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"overwrite\"\r\n\r\ntrue\r\n".encode(),
            f"--{boundary}--\r\n".encode(),
        ])
        request = urllib.request.Request(
            self.base_url + "/upload/image", data=body, method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=max(self.timeout, 300)) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as err:
            raise ComfyAPIError(f"upload of {path.name} -> {err.code}", err.code) from err
        return (answer["subfolder"] + "/" if answer.get("subfolder") else "") + answer["name"]

    def download(self, filename: str, subfolder: str = "", folder_type: str = "output") -> bytes:
        query = urllib.parse.urlencode({"filename": filename, "subfolder": subfolder, "type": folder_type})
        status, raw = self._request("GET", f"/view?{query}")
        if status != 200:
            raise ComfyAPIError(f"GET /view {filename} -> {status}", status)
        return raw


def execution_error(entry: dict) -> Optional[dict]:
    """The execution_error payload of a history entry, or None if it succeeded."""
    status = entry.get("status", {})
    if status.get("status_str") != "error":
        return None
    for kind, data in status.get("messages", []):
        if kind == "execution_error":
            return data
    return {"exception_message": "unknown error", "exception_type": "", "node_id": None}


def output_files(entry: dict) -> list[dict]:
    """Every file a prompt's output nodes reported (images, videos, ...), as
    {filename, subfolder, type} dicts."""
    files = []
    for node_output in entry.get("outputs", {}).values():
        for value in node_output.values():
            if isinstance(value, list):
                files += [v for v in value if isinstance(v, dict) and "filename" in v]
    return files
