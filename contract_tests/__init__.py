"""The contract suite: the test files of the kit in pipecat_cloud_mock.contract."""
