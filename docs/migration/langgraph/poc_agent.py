# poc_agent.py -- no persistence, no auth, no monitoring
from langchain.agents import create_agent
from langchain_aws import ChatBedrockConverse
import requests

model = ChatBedrockConverse(model="us.anthropic.claude-haiku-4-5-20251001-v1:0")
agent = create_agent(model, system_prompt="You are a helpful assistant.")

def lookup_order(order_id: str) -> dict:  # Hardcoded credentials
    return requests.get(f"https://api.example.com/orders/{order_id}",
                        headers={"X-API-Key": "sk-hardcoded-key-12345"}).json()

# No memory, no observability, no isolation -- all users share one process
if __name__ == "__main__":
    while True:
        print(f"Agent: {agent.invoke({'messages': [('user', input('You: '))]})['messages'][-1].content}")
