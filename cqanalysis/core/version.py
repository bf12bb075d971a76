"""The package version, importable from any layer without importing the package root."""

__version__ = "0.2.0"
