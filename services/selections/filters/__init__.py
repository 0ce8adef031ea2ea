"""The filter language: a JSON tree compiled to one SQL condition over the read model (never a
Python scan of relations). ARCHITECTURE.md, "A filter"; the grammar is in compiler.py."""

from services.selections.filters.catalog import FilterCatalog
from services.selections.filters.compiler import compile_filter, reference_members

__all__ = ["FilterCatalog", "compile_filter", "reference_members"]
