"""The `pipecat-mock` command line: serve, contract, coverage, check-fixtures, record."""
