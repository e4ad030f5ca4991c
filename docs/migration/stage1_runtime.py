from strands import Agent
from agentcore_constructs.kit.strands import AgentCoreApp
import requests

agent = Agent(system_prompt="You are a helpful assistant.")

def lookup_order(order_id: str) -> dict:  # Hardcoded credentials
    return requests.get(f"https://api.example.com/orders/{order_id}",
                        headers={"X-API-Key": "sk-hardcoded-key-12345"}).json()

if __name__ == "__main__":
    AgentCoreApp(agent).run()
