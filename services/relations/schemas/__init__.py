"""Bodies of the relations HTTP API, a module a resource (views import from those modules)."""
