"""Multi-agent pattern: the greeter is the entry agent; specialists are reached by handoff."""

from .agents import Billing, Greeter, Sales, Support

__all__ = ["Billing", "Greeter", "Sales", "Support"]
