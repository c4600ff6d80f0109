"""Stand-in for python-telegram-bot (agentctl tests): no code, only the version."""
__version__ = "22.6"
