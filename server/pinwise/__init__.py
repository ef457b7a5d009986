"""Pinwise: a language server and checker for Python dependency files."""

__version__ = "0.1.0"
