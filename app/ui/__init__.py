"""Qt widgets, dialogs and the theme. Thin: shows state, forwards intents."""
