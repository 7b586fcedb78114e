"""The face registration wizard on screen: ``RegistrationController`` opens ``RegistrationDialog``."""

from app.ui.registration.controller import RegistrationController
from app.ui.registration.dialog import RegistrationDialog

__all__ = ["RegistrationController", "RegistrationDialog"]
