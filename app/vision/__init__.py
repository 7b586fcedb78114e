"""ML adapters behind small interfaces (product detector, face pipeline). No Qt."""
