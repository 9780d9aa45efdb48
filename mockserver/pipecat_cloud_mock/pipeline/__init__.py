"""The request pipeline without HTTP: routing, security, parameter checks, and the MockPipeline that runs them."""
