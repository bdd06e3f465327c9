"""FinePhys for ComfyUI: physics-aware skeletal guidance for fine-grained human action video.

ComfyUI loads this folder as a package and calls `comfy_entrypoint`. Everything except
`nodes/` is plain Python/PyTorch that imports without ComfyUI.
"""

__version__ = "0.1.0"


async def comfy_entrypoint():
    """ComfyUI V3 entry point: returns the extension that lists our nodes."""
    from .nodes import FinePhysExtension

    return FinePhysExtension()
