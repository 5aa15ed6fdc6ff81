"""The portal side: API clients of portals and line systems, their tokens, limits and catalogue."""
