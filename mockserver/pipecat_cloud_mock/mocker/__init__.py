"""What an answer is: negotiation, bodies from the schema (general realism and the session world), encoding."""
