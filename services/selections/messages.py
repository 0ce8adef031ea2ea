"""The published contract of the selections service (no events of its own yet)."""
