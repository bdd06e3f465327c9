"""FinePhys-Bench: the one evaluation protocol (fixed clips, cameras, noise) and its scoring."""
