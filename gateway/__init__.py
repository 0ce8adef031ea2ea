"""The gateway: one front door for every service, in-process (embedded) or over HTTP."""
