"""AgentCore Gateway REQUEST interceptor: the verified caller becomes the tool call's identity."""
