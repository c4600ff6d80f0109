"""Stand-in for socksio (agentctl tests): no code, only the version."""
__version__ = "1.0.0"
