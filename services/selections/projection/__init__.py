"""How relations events become the read model. Each function takes the state an event carries
and applies it only if it is newer than what the read model holds, so events may come twice or
out of order. A rebuild replays the relations service's current states through these same
functions (relation states through `relations.absorb_states`, and so on)."""
