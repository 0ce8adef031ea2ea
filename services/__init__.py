"""Cardbox services: each owns its data and talks to the others over the bus only."""
