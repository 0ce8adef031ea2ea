"""The built-in bulk operations, one module per family, each registered under the
`cardbox.bulk_operations` entry points in pyproject.toml exactly as an outside package would."""
