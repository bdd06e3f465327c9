"""Training scripts that produce the .safetensors the nodes load (issues F4, F5, F7)."""
