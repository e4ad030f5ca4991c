"""Order service: AgentCore Gateway Lambda target. Handler: ``order_service.handler.lambda_handler``."""
