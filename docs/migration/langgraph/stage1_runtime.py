# poc_agent.py -- no persistence, no auth, no monitoring
import requests
from langchain.agents import create_agent
from agentcore_constructs.kit.langgraph import AgentCoreApp, AgentCoreChatModel, GatewayToolsMiddleware

agent = create_agent(AgentCoreChatModel(), system_prompt="You are a helpful assistant.", middleware=[GatewayToolsMiddleware()])


def lookup_order(order_id: str) -> dict:  # Hardcoded credentials
    return requests.get(
        f"https://api.example.com/orders/{order_id}", headers={"X-API-Key": "sk-hardcoded-key-12345"}
    ).json()


# No memory, no observability, no isolation -- all users share one process
if __name__ == "__main__":
    AgentCoreApp(agent).run()
