"""The order-support agent that runs in Amazon Bedrock AgentCore Runtime (and locally, offline)."""
