"""Portal e-mail: the sender, templates, the e-mail outbox and its delivery."""
