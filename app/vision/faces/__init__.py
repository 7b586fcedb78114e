"""The face side of the kiosk: detection, quality, pose, alignment, embedding, matching, liveness.

Modules are imported on demand: ``app.vision.faces.pose`` and ``gallery`` are light; ``detector`` and
``embedder`` load torch/dlib only when a detector or embedder is constructed. No Qt anywhere here.
"""
