"""The admin area behind the operator PIN: catalog, customers, sales, system and the PIN itself."""

from app.ui.admin.context import AdminContext, detector_info
from app.ui.admin.window import AdminWindow

__all__ = ["AdminContext", "AdminWindow", "detector_info"]
