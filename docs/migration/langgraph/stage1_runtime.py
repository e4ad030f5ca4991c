from langchain.agents import create_agent
from agentcore_constructs.kit.langgraph import AgentCoreApp, AgentCoreChatModel, GatewayToolsMiddleware
import requests

agent = create_agent(AgentCoreChatModel(), system_prompt="You are a helpful assistant.", middleware=[GatewayToolsMiddleware()])

def lookup_order(order_id: str) -> dict:  # Hardcoded credentials
    return requests.get(f"https://api.example.com/orders/{order_id}",
                        headers={"X-API-Key": "sk-hardcoded-key-12345"}).json()

if __name__ == "__main__":
    AgentCoreApp(agent).run()
