"""AgentCore Runtime entry point of the LangGraph flavour (cdk.json ``agent.entrypoint``)."""

from support_agent.graph import support_agent

if __name__ == "__main__":
    support_agent.run()
