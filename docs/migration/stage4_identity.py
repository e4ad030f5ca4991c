# poc_agent.py -- no persistence, no auth, no monitoring
from strands import Agent
from agentcore_constructs.kit.strands import AgentCoreApp

agent = Agent(system_prompt="You are a helpful assistant.")


# No memory, no observability, no isolation -- all users share one process
if __name__ == "__main__":
    AgentCoreApp(agent).run()
