from strands import Agent
from agentcore_constructs.kit.strands import AgentCoreApp

agent = Agent(system_prompt="You are a helpful assistant.")

if __name__ == "__main__":
    AgentCoreApp(agent).run()
