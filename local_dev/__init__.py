"""Local stand-ins for the AgentCore services, so the whole agent runs on a laptop with no AWS account."""
