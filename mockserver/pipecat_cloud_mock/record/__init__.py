"""`pipecat-mock record`: a proxy that records the real API's answers as fixtures."""
