"""The kit's verdict, through pytester: any failed finding fails the run, the budget is a plan with a clear
line when it runs out, and the output is the kit's own (its block, the seed to replay, never the key)."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from pipecat_cloud_mock.contract.options import CLI_MARK

from tests.support.contract_faults import SELFTEST_KEY
from tests.support.contract_faults import app as faulty_app
from tests.support.contract_runs import PLUGIN, Run, plugin_test, run_in_process, run_with_budget
from tests.support.servers import serve_in_thread

_KIT_FRAMES = re.compile(r"contract_tests/(plugin|contract|target|report|failures)\.py:\d+")


def test_a_failure_recorded_by_a_test_that_then_skips_fails_the_run(pytester: pytest.Pytester, run_kit: Run) -> None:
    path = plugin_test(
        pytester,
        "def test_records_then_skips(contract_tally):\n"
        "    contract_tally.record('auth', [Finding('auth', 'fail', 'refused')], key='k')\n"
        "    pytest.skip('something later')\n",
    )
    result = run_kit("none", *PLUGIN, paths=(path,))
    result.assert_outcomes(skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "contract verdict: BROKEN: 1 check(s) failed (auth)" in result.stdout.str()
    assert "1 x something later: test_records_then_skips" in result.stdout.str()  # skips are listed with reasons


def test_a_budget_too_small_names_what_it_leaves_unchecked_and_skips_nothing(run_kit: Run) -> None:
    result = run_kit("none", "--contract-api-key", SELFTEST_KEY, "--contract-max-requests", "6", "-rs")
    out = result.stdout.str()
    assert re.search(r"not checked: a budget of 6 requests does not reach \d+ test\(s\): ", out), out
    assert re.search(r"raise it with --contract-max-requests \d+", out)
    assert "budget" not in "\n".join(line for line in result.outlines if line.startswith("SKIPPED"))
    assert "deselected" in result.outlines[-1]
    assert result.ret == pytest.ExitCode.OK  # what was checked held; what was not is named above


def test_a_budget_that_runs_out_during_the_run_stops_it_red_with_one_line(
    pytester: pytest.Pytester, run_kit: Run
) -> None:
    # The plan believes each call sends 1 request; this test sends 5, so the budget of 4 runs out mid-test.
    result, out = run_with_budget(
        pytester,
        run_kit,
        4,
        "@pytest.mark.contract_requests(1)\n"
        "def test_sends_more_than_planned(contract):\n"
        "    for _ in range(5):\n"
        "        contract.check(session_request('my-agent', ID))\n\n"
        "def test_after(contract):\n"
        "    contract.check(session_request('my-agent', ID))\n",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED, out
    assert "budget of 4 requests spent after 1 checks; raise it with --contract-max-requests" in out
    assert "not checked: 1 test(s) after it: test_after" in out
    assert "contract verdict: NOT CHECKED" in out
    assert "skipped" not in result.outlines[-1]
    assert not _KIT_FRAMES.search(out), out


def test_hypothesis_never_shrinks_against_a_target_over_http(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every example is one request; a failing one is sent once as found and once more when Hypothesis replays
    # it for its report. Shrinking would send many more failing ones, each a request to a live API.
    path = plugin_test(
        pytester,
        "from hypothesis import given, strategies as st\n"
        "SENT = []\n\n"
        "@given(n=st.integers(0, 10_000))\n"
        "def test_fails_above_ten(contract, n):\n"
        "    exchange = contract.check(session_request('my-agent', ID))\n"
        "    SENT.append(n)\n"
        "    if n > 10:\n"
        "        contract.fail(exchange, Finding('invariants', 'fail', f'n is {n}'))\n\n"
        "def test_zz_report():\n"
        "    failing = [n for n in SENT if n > 10]\n"
        "    print(f'FAILING-SENT {len(failing)} same={len(set(failing)) == 1}')\n",
    )
    monkeypatch.setenv("CONTRACT_PLANTED_FAULT", "none")
    with serve_in_thread(faulty_app) as url:
        result = run_in_process(
            pytester,
            monkeypatch,
            url + "/v1",
            "--contract-api-key",
            SELFTEST_KEY,
            "--contract-rate",
            "1000",
            "-s",
            *PLUGIN,
            paths=(path,),
        )
    assert "FAILING-SENT 2 same=True" in result.stdout.str(), result.stdout.str()
    assert "contract broken: invariants" in result.stdout.str()


def test_a_failure_is_the_kits_block_with_the_seed_to_replay_and_no_traceback(run_kit: Run) -> None:
    result = run_kit("server_error", "--contract-api-key", SELFTEST_KEY, "--contract-seed", "7", "-k", "generated")
    out = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    for line in ("contract broken: no-5xx", "  check:    no-5xx: server error 500", "  expected: ", "  got:      500"):
        assert line in out
    assert "  request:  curl -sS -i -H 'Authorization: Bearer ***' http://localhost/v1/agents/" in out
    assert "  body:     {" in out
    assert "  replay:   --contract-seed 7 -k test_generated_requests_with_the_key_keep_the_contract\n" in out
    assert "Draw 1 (agent): " in out  # the failing example, as Hypothesis found it
    assert "reproduce_failure" not in out
    assert "Traceback" not in out
    assert not _KIT_FRAMES.search(out), out


def test_run_as_pipecat_mock_contract_the_replay_line_is_its_command(
    run_kit: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CLI_MARK, "1")
    result = run_kit("server_error", "--contract-api-key", SELFTEST_KEY, "--contract-seed", "7", "-k", "prefer")
    assert "  replay:   pipecat-mock contract --contract-seed 7 -- -k " in result.stdout.str()
    assert "-k 'test_every_documented_status_is_reachable_with_prefer_code[200]'" in result.stdout.str()


def test_the_same_seed_replays_the_same_requests(run_kit: Run) -> None:
    def draws(seed: str) -> list[str]:
        result = run_kit("server_error", "--contract-api-key", SELFTEST_KEY, "--contract-seed", seed, "-k", "generated")
        return [line for line in result.outlines if "Draw " in line]

    first = draws("12345")
    assert first
    assert draws("12345") == first


def test_a_bad_seed_is_a_usage_error(run_kit: Run) -> None:
    result = run_kit("none", "--contract-seed", "soon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--contract-seed 'soon' is not valid. Valid values: a whole number*"])


def test_warnings_are_listed_under_the_table(run_kit: Run) -> None:
    result = run_kit("none", "--contract-api-key", SELFTEST_KEY)
    out = result.stdout.str()
    # The spec's own example breaks the soft consistency rules: a warning, with what it saw.
    assert re.search(
        r"^warnings:\n  consistency \(warned 1 of \d+\):\n    in the spec's own example: sampleCount 12 but 2",
        out,
        re.M,
    ), out


def test_without_a_key_the_summary_says_what_is_left_out(run_kit: Run) -> None:
    result = run_kit("none")
    out = result.stdout.str()
    assert "auth: no API key given, so the answers to a valid key" in out
    assert re.search(r"skipped \(\d+\):\n  \d+ x needs an API key: pass --contract-api-key", out), out
    assert result.ret == pytest.ExitCode.OK


@pytest.mark.parametrize(
    "mode", [(), ("-v", "-rA", "-l", "--tb=long"), ("-q", "--tb=native")], ids=["default", "verbose", "quiet"]
)
def test_no_output_mode_prints_the_key(run_kit: Run, tmp_path: Path, mode: tuple[str, ...]) -> None:
    junit = tmp_path / "junit.xml"
    # A failing run: failure blocks, Hypothesis examples and locals are where a key would leak.
    result = run_kit("server_error", "--contract-api-key", SELFTEST_KEY, f"--junitxml={junit}", *mode)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    everything = result.stdout.str() + result.stderr.str() + junit.read_text()
    assert "contract broken" in everything
    assert SELFTEST_KEY not in everything


def test_an_unreachable_target_is_one_line_and_exit_status_4(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free, and nothing listens on it once closed
    result = run_in_process(pytester, monkeypatch, f"http://127.0.0.1:{port}/v1", "-q")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.errlines if line.strip()] == [
        f"ERROR: --contract-target http://127.0.0.1:{port}/v1 cannot be reached (ConnectionRefusedError: "
        "[Errno 111] Connection refused). Check the URL (with its prefix, e.g. https://api.pipecat.daily.co/v1) "
        "and the network."
    ]
    assert "_pytest.outcomes.Exit" not in result.stdout.str() + result.stderr.str()
