"""PhysNet: Euler-Lagrange re-estimation of 3D motion (spec section 1.2). Lands with issue F5."""
