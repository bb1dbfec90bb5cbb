"""Network reachability from NetworkPolicies: which workload can talk to which, and how.

```python
from stockade.network import NetworkModel, reach
model = NetworkModel(inventory)          # built once
for src, dst, ports in model.connections():
    print(src.id, "->", dst.id, ports.labels())
answer = reach(model, "shop/frontend", "shop/payments", "8443")
```
"""

from stockade.network.addresses import AddressSet
from stockade.network.endpoints import Workload
from stockade.network.exposure import EntryPoint, Exposure, exposure
from stockade.network.model import Group, NetworkModel
from stockade.network.policy import Policy, PolicyIssue
from stockade.network.ports import PortSet
from stockade.network.reach import Decision, Reach, reach

__all__ = [
    "AddressSet",
    "Decision",
    "EntryPoint",
    "Exposure",
    "Group",
    "NetworkModel",
    "Policy",
    "PolicyIssue",
    "PortSet",
    "Reach",
    "Workload",
    "exposure",
    "reach",
]
