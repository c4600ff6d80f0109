"""Stand-in for discord.py (agentctl tests): no code, only the version."""
__version__ = "2.5.2"
