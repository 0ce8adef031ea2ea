"""Accounts: staff, API clients, portal accounts of relations, e-mail, and who may do what."""

# Deliberately empty: the plugin is found through its entry point (services.accounts.plugin).
