"""In-context 2D->3D lifting (spec section 1.1). Lands with issue F4."""
