"""Relations: the card of every person and organisation, and the events of every change."""

# Deliberately empty: the plugin is found through its entry point (services.relations.plugin), so
# a service importing only our messages module does not load the rest of us.
