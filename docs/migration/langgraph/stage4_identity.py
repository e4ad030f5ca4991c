from langchain.agents import create_agent
from agentcore_constructs.kit.langgraph import AgentCoreApp, AgentCoreChatModel, GatewayToolsMiddleware

agent = create_agent(AgentCoreChatModel(), system_prompt="You are a helpful assistant.", middleware=[GatewayToolsMiddleware()])

if __name__ == "__main__":
    AgentCoreApp(agent).run()
