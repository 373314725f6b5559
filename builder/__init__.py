"""Ordinarily available provision: load, check and publish SEND standards authored as YAML."""

from __future__ import annotations

__version__ = "0.1.0"
