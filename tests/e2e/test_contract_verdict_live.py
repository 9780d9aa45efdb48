"""The kit against live `pipecat-mock serve` processes, reached by URL as a user would: the right verdict and
exit status for a good target and for each way a target can be broken, and never the key in the output."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.contract_runs import run_in_process
from tests.support.servers import CLI, run_cli

pytestmark = pytest.mark.e2e

KEY = "live-selftest-key-77"
WRONG_KEY = "live-wrong-key-31"


@dataclass(frozen=True)
class KitRun:
    code: int
    out: str
    err: str


Kit = Callable[..., KitRun]


@contextmanager
def _serve(*args: str) -> Iterator[str]:
    with run_cli(["serve", "--host", "127.0.0.1", "--port", "0", "--workers", "1", "--quiet", *args]) as server:
        yield server.url + "/v1"


@pytest.fixture(scope="module")
def keyed() -> Iterator[str]:
    with _serve("--api-key", KEY) as url:
        yield url


@pytest.fixture(scope="module")
def open_mock() -> Iterator[str]:
    with _serve() as url:
        yield url


@pytest.fixture
def kit(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Kit:
    """Runs the kit against a live URL: through pytester in this process (the default, quick), or in a process
    of its own as `pipecat-mock contract` ("cli")."""

    def run(target: str, *args: str, key: str | None = KEY, via: str = "pytester") -> KitRun:
        if via == "pytester":
            if key is not None:
                args = (*args, "--contract-api-key", key)
            result = run_in_process(pytester, monkeypatch, target, "--contract-rate", "1000", "-q", *args)
            done = KitRun(int(result.ret), result.stdout.str(), result.stderr.str())
        else:
            env = {"PATH": str(Path(sys.executable).parent), "HOME": str(Path.home())}
            if key is not None:
                env["PIPECAT_API_KEY"] = key
            command = [CLI, "contract", "--contract-target", target, "--contract-rate", "1000", *args]
            ran = subprocess.run(command, capture_output=True, text=True, timeout=240, env=env, check=False)
            done = KitRun(ran.returncode, ran.stdout, ran.stderr)
        for secret in (KEY, WRONG_KEY):
            assert secret not in done.out + done.err, f"the key was printed:\n{done.out}{done.err}"
        return done

    return run


def _verdict(run: KitRun) -> str:
    lines = [line for line in run.out.splitlines() if line.startswith("contract verdict: ")]
    assert len(lines) == 1, run.out + run.err
    return lines[0]


def test_a_keyed_good_mock_is_green(kit: Kit, keyed: str) -> None:
    run = kit(keyed, via="cli")
    assert run.code == 0, run.out + run.err
    assert _verdict(run).startswith("contract verdict: kept; the run's seed: --contract-seed ")
    # Run as `pipecat-mock contract`: one compact progress line, no long paths of the installed suite.
    progress = [line for line in run.out.splitlines() if re.fullmatch(r"[.sFE]+\s+\[\s*\d+%\]", line)]
    assert progress, run.out
    assert not [line for line in run.out.splitlines() if "test_target.py " in line or "test_mock_only.py " in line]


def test_a_wrong_key_is_red_and_named_as_a_refused_key(kit: Kit, keyed: str) -> None:
    run = kit(keyed, key=WRONG_KEY)
    assert run.code == 1, run.out + run.err
    assert "auth: the API key you gave was refused (401) on every request; check the key or the target" in run.out
    assert _verdict(run).startswith("contract verdict: BROKEN")


def test_a_budget_too_small_says_what_it_did_not_check_and_skips_nothing_for_it(kit: Kit, keyed: str) -> None:
    run = kit(keyed, "--contract-max-requests", "8")
    assert re.search(r"^not checked: a budget of 8 requests does not reach \d+ test\(s\)", run.out, re.M), run.out
    assert "budget" not in " ".join(line for line in run.out.splitlines() if line.startswith("SKIPPED"))
    assert run.code == 0, run.out + run.err


def test_a_mock_that_accepts_any_token_is_red_with_how_to_start_it(kit: Kit, open_mock: str) -> None:
    run = kit(open_mock)
    assert run.code == 1, run.out + run.err
    assert "auth: the target accepts credentials it must refuse: it answered 2xx to unknown bearer token" in run.out
    assert "which accepts any bearer token unless started with --api-key" in run.out
    assert "`pipecat-mock serve --api-key KEY`" in run.out


def test_a_mock_whose_every_answer_is_a_500_is_red_within_its_budget(kit: Kit) -> None:
    with _serve("--api-key", KEY, "--error-rate", "1") as target:
        run = kit(target)
        assert run.code == 1, run.out + run.err
        assert re.search(r"^no-5xx\s+\d+\s+[1-9]\d*\s+\d+$", run.out, re.M), run.out
        assert "no-5xx" in _verdict(run)
        assert "budget of" not in run.out  # nothing shrank the budget away
        assert "reproduce_failure" not in run.out


def test_a_mock_that_resets_half_its_connections_is_red(kit: Kit) -> None:
    with _serve("--api-key", KEY, "--fault", "reset", "--fault-rate", "0.5") as target:
        run = kit(target)
        assert run.code == 1, run.out + run.err
        assert re.search(r"^connection\s+0\s+[1-9]\d*\s+0$", run.out, re.M), run.out
        assert "no HTTP answer (ConnectionResetError" in run.out
