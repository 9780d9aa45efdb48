"""The request pipeline without HTTP: routing, security, parameter checks, and the Mock that runs them."""
