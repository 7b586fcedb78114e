"""Self-checkout kiosk: product recognition, face pay and a PyQt5 counter window."""

__version__ = "0.1.0"
