"""QThreads that connect capture and vision to the UI. The only place where threads live."""
