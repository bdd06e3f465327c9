"""Label expansion through an OpenAI-compatible chat endpoint (a local LLM server, or a
service the user configured): POST <base_url>/chat/completions. Only called when configured;
nothing else in the suite touches the network."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Optional

SYSTEM_PROMPT = ("You write prompts for a text-to-video model. Expand the fine-grained gymnastics action label "
                 "into one or two sentences that describe what the gymnast's body does, step by step, and the "
                 "setting. Answer with the description only.")


class EndpointError(RuntimeError):
    pass


@dataclass(frozen=True)
class ChatEndpoint:
    base_url: str  # e.g. http://127.0.0.1:8000/v1
    model: str
    api_key_env: str = "OPENAI_API_KEY"  # the key is read from this environment variable, never stored
    timeout_s: float = 60.0

    def expand(self, label: str, system_prompt: str = SYSTEM_PROMPT) -> str:
        if not label.strip():
            raise ValueError("the label is empty")
        if not self.base_url.startswith(("http://", "https://")):
            raise EndpointError(f"endpoint URL must start with http:// or https://, got {self.base_url!r}")
        body = json.dumps({"model": self.model, "temperature": 0.2,
                           "messages": [{"role": "system", "content": system_prompt},
                                        {"role": "user", "content": label.strip()}]}).encode()
        headers = {"Content-Type": "application/json"}
        key: Optional[str] = os.environ.get(self.api_key_env) if self.api_key_env else None
        if key:
            headers["Authorization"] = f"Bearer {key}"
        request = urllib.request.Request(self.base_url.rstrip("/") + "/chat/completions", data=body,
                                         headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                data = json.loads(response.read().decode())
        except urllib.error.HTTPError as exc:
            raise EndpointError(f"{self.base_url}: HTTP {exc.code} ({exc.read()[:200]!r})") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise EndpointError(f"{self.base_url}: not reachable ({exc})") from exc
        except json.JSONDecodeError as exc:
            raise EndpointError(f"{self.base_url}: the answer is not JSON ({exc})") from exc
        try:
            text = data["choices"][0]["message"]["content"].strip()
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise EndpointError(f"{self.base_url}: not an OpenAI-style chat answer ({str(data)[:200]})") from exc
        if not text:
            raise EndpointError(f"{self.base_url}: the answer is empty")
        return text
