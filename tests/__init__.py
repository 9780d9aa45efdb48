import pytest

# The shared checks in tests/support assert as tests do: give their failures pytest's detailed messages.
pytest.register_assert_rewrite("tests.support")
