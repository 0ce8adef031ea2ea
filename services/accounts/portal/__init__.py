"""Portal accounts of relations: the contacts they need, accounts, activation and reset."""
