"""The agent side of each stage, as a library: pure Python, no aws-cdk-lib import, versioned with the constructs.

It reads only the env-var contract (:mod:`agentcore_constructs.contract`) and ships into the agent bundle with it.
One module per stage, named like the construct module that provides it, plus one per framework:

* :mod:`.runtime` — the Runtime entrypoint around any agent: identity first, payload validation, per-session
  serialization, per-invocation limits, 4xx/5xx with safe messages;
* :mod:`.identity` (with :mod:`.auth`, :mod:`.guard`) — verify, never decode: the caller and session from a token
  this process verified; :mod:`.outbound` — user-scoped external tokens through AgentCore Identity;
* :mod:`.memory` — a neutral conversation-memory API (AgentCore Memory or local files); :mod:`.history` — an
  interrupted turn never corrupts a conversation;
* :mod:`.gateway` — the gateway's MCP HTTP client: the caller's token or SigV4, bounded retries, failures as tool
  errors;
* :mod:`.model` — the single retry layer of every AWS call; :mod:`.offline_model` — the offline driver;
* :mod:`.metrics` — the agent's own CloudWatch metrics (embedded metric format on stdout);
* :mod:`.settings` — the contract read and validated, every bad variable named;
* :mod:`.strands`, :mod:`.langgraph` — every stage for a Strands or a LangGraph agent in one ``AgentCoreApp``;
  :mod:`.langgraph_history` (an unfinished turn is repaired) and :mod:`.langgraph_checkpointer` (the bounded local
  store that survives a restart) for the LangGraph one.
"""
