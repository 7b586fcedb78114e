"""The product enrollment wizard of the admin area: ``EnrollDialog`` (the engine is ``app.training``'s
``cutout``, ``enroll`` and ``enroll_apply``); ``stop_training`` ends a run when the kiosk shuts down."""

from app.ui.enroll.dialog import EnrollDialog
from app.workers.enroll import current_job, stop_training

__all__ = ["EnrollDialog", "current_job", "stop_training"]
