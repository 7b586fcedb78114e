"""Subcommands of ``selfcheckout`` that live outside ``app/cli.py`` (each module: ``add_subcommands``)."""
