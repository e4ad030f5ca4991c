"""AWS service contract: what AWS would reject at deploy time or silently break, caught at synth time.

Each rule names its AWS source in its explanation. They check facts of AWS's, not conventions of ours.
"""

from __future__ import annotations

from agentcore_constructs.readiness.model import Rule

PACK: tuple[Rule, ...] = ()
