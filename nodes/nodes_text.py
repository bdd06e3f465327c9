"""Node wrapper for text expansion of fine-grained action labels (captions/)."""
from __future__ import annotations

from comfy_api.latest import io, ui

from ..captions.endpoint import ChatEndpoint, EndpointError
from ..captions.expand import SCENE, expand_label
from .common import combo_errors
from .types import CATEGORY

MODES = ["offline vocabulary", "OpenAI-compatible endpoint"]


class TextExpand(io.ComfyNode):
    DISPLAY = "FinePhys Text Expand"

    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="FinePhys_TextExpand",
            display_name=cls.DISPLAY,
            category=CATEGORY,
            description="Expands a fine-grained action label ('switch leap with 0.5 turn') into a "
            "description of what the body does, for CLIP Text Encode. Offline by default (a built-in "
            "vocabulary of gymnastics elements); optionally an OpenAI-compatible chat endpoint you run "
            "or configure.",
            inputs=[
                io.String.Input("label", default="switch leap with 0.5 turn", multiline=False,
                                tooltip="The fine-grained action, as a label."),
                io.Combo.Input("mode", options=MODES, default=MODES[0],
                               tooltip="Offline (built in, no network) or your configured chat endpoint."),
                io.String.Input("scene", default=SCENE, multiline=True,
                                tooltip="Offline mode: the setting appended to the description."),
                io.String.Input("endpoint_url", default="http://127.0.0.1:8000/v1",
                                tooltip="Endpoint mode: base URL (…/v1); POST /chat/completions is called."),
                io.String.Input("endpoint_model", default="", tooltip="Endpoint mode: the model name."),
                io.String.Input("api_key_env", default="OPENAI_API_KEY",
                                tooltip="Endpoint mode: the environment variable holding the API key "
                                "(the key itself is never stored in the workflow)."),
            ],
            outputs=[io.String.Output("text", tooltip="Connect to CLIP Text Encode's text input.")],
        )

    @classmethod
    def validate_inputs(cls, mode: str) -> bool | str:
        return combo_errors(cls, mode=mode)

    @classmethod
    def execute(cls, label: str, mode: str, scene: str, endpoint_url: str, endpoint_model: str,
                api_key_env: str) -> io.NodeOutput:
        try:
            if mode == MODES[0]:
                text = expand_label(label, scene=scene.strip() or SCENE)
            else:
                if not endpoint_model.strip():
                    raise ValueError("endpoint mode needs endpoint_model (the model name the server serves)")
                text = ChatEndpoint(endpoint_url.strip(), endpoint_model.strip(), api_key_env.strip()).expand(label)
        except (ValueError, EndpointError) as exc:
            raise ValueError(f"{cls.DISPLAY}: {exc}") from None
        return io.NodeOutput(text, ui=ui.PreviewText(text))
