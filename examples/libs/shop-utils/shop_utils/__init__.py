"""Small helpers shared by the shop service."""
