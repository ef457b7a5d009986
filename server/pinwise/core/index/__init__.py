"""Package index access: which index pip would use, the standard index APIs, and a persistent cache."""
