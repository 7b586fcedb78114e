"""The domain, pure Python: catalog, cart, settings, checkout rules. No Qt, no torch."""
