"""The contract-testing kit: a pytest suite that checks a server against the bundled Pipecat Cloud spec."""
