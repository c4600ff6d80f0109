"""Stand-in for slack-sdk (agentctl tests): no code, only the version."""
__version__ = "3.39.0"
