"""Training data made by the project: packaging art, synthetic counter scenes (COCO), the demo video.

There are no photographs of the products, so, as the RPC checkout benchmark does, the project
composes top-down counter images from single-product images; here those are drawn procedurally from
``resources/catalog/packaging.toml``. Only numpy, OpenCV and Pillow are used (no Qt, no torch).
"""
