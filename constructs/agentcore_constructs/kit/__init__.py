"""The agent side of each stage, as a library: pure Python, no aws-cdk-lib import.

It reads only the env-var contract (:mod:`agentcore_constructs.contract`) and ships into the agent bundle with it.

* :mod:`.auth` — verify, never decode: bearer tokens checked against the issuer's keys and the configured clients
  and scope (the agent, the gateway interceptor and the local stand-ins all use it);
* :mod:`.guard` — the ASGI request guard in front of ``/invocations``: identity and body checked before agent code;
* :mod:`.history` — conversation history repaired so an interrupted turn never corrupts a conversation.
"""
