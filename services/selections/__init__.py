"""Selections: finds relations (filters, lists, selections, groups) in its own read model."""

# Deliberately empty: the plugin is found through its entry point (services.selections.plugin), so
# a service importing only our messages module does not load the rest of us.
