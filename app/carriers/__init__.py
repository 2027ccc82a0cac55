"""Carrier and aggregator APIs: one module per API, the contract (`base`), the client, and the
explicit registry. `REGISTRY[carrier_id]` gives a `CarrierAdapter`; `adapter.client(...)` a
`TrackingClient` for one account.
"""

from app.carriers.registry import CARRIER_MODULES, REGISTRY, CarrierAdapter

__all__ = ["CARRIER_MODULES", "REGISTRY", "CarrierAdapter"]
