"""Stand-in for slackify-markdown (agentctl tests): no code, only the version."""
__version__ = "0.2.2"
