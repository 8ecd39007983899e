"""The Python side of charmsim: runs unmodified ops charms through Scenario, one hook at a time."""

from .protocol import PROTOCOL_VERSION

__all__ = ["PROTOCOL_VERSION"]
