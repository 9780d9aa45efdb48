"""Read every fixture file of a directory, check all of it, and give one FixtureSet or one FixtureError.

Files are read only here, at start-up, from the directory the user named: nothing a request carries is
ever turned into a path.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from pipecat_cloud_mock.errors import FixtureError, Problem
from pipecat_cloud_mock.spec.loader import Spec, load_spec
from pipecat_cloud_mock.state.limits import MAX_DEPTH, MAX_FIXTURE_FILE, parse_json
from pipecat_cloud_mock.state.model import FixtureSet, SessionKey, Stub
from pipecat_cloud_mock.state.parse import FixtureParser, Report

SUFFIXES = (".yaml", ".yml", ".json")


class _FixtureLoader(yaml.SafeLoader):
    """Safe YAML without implicit timestamps (createdAt stays the string written) and without duplicate keys."""


_FixtureLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _mapping_without_duplicates(loader: _FixtureLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (a later value would silently win)", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_FixtureLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def _refuse_alias(loader: _FixtureLoader, parent: Any, index: Any) -> Any:
    """No aliases (*name, and so no << merges): a few nested ones expand a small file to gigabytes."""
    if loader.check_event(yaml.AliasEvent):
        event = loader.peek_event()  # type: ignore[no-untyped-call]
        raise yaml.composer.ComposerError(
            None,
            None,
            f"aliases (*{event.anchor}) are not accepted in fixture files; write the value out in full",
            event.start_mark,
        )
    return yaml.composer.Composer.compose_node(loader, parent, index)


_FixtureLoader.compose_node = _refuse_alias  # type: ignore[method-assign,assignment]


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r} (a later value would silently win)")
        result[key] = value
    return result


def read_document(path: Path) -> Any:
    """The file's data; raises ValueError with a one-line reason (line and column where known)."""
    try:
        size = path.stat().st_size
        if size > MAX_FIXTURE_FILE:
            raise ValueError(
                f"the file is {size / 2**20:.1f} MiB; the limit is {MAX_FIXTURE_FILE // 2**20} MiB per fixture file "
                "(split it into several files)"
            )
        with path.open(encoding="utf-8") as file:
            text = file.read(MAX_FIXTURE_FILE + 1)  # the file may grow after stat()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the file ({type(exc).__name__}: {exc})") from None
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FIXTURE_FILE:
        raise ValueError(f"the file is over the limit of {MAX_FIXTURE_FILE // 2**20} MiB per fixture file")
    if path.suffix == ".json":
        try:
            return parse_json(text, object_pairs_hook=_json_object)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc}") from None
    try:
        return yaml.load(text, Loader=_FixtureLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ValueError("not valid YAML: " + re.sub(r"\s+", " ", str(exc)).strip()) from None
    except RecursionError:
        raise ValueError(f"not valid YAML: nested too deep (the limit is {MAX_DEPTH} levels)") from None


def fixture_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in SUFFIXES and p.is_file())


def load_fixtures(directory: str | Path, spec: Spec | None = None, parser: FixtureParser | None = None) -> FixtureSet:
    """Every fixture in `directory`, checked against the spec; FixtureError lists every problem found."""
    directory = Path(directory)
    if not directory.exists():
        raise FixtureError([Problem(str(directory), "", "directory not found")])
    if not directory.is_dir():
        raise FixtureError([Problem(str(directory), "", "not a directory; --fixtures takes a directory of files")])
    files = fixture_files(directory)
    if not files:
        raise FixtureError([Problem(str(directory), "", f"no fixture files here (looked for {', '.join(SUFFIXES)})")])
    parser = parser or FixtureParser(spec or load_spec())
    problems: list[Problem] = []
    sessions: dict[SessionKey, dict[str, Any]] = {}
    defined_in: dict[SessionKey, str] = {}
    stubs: list[Stub] = []
    stub_files: dict[str, str] = {}
    for path in files:
        report = Report(str(path))
        try:
            data = read_document(path)
        except ValueError as exc:
            report.add((), str(exc))
            problems.extend(report.problems)
            continue
        file_sessions, file_stubs = parser.document(data, report, id_prefix=re.sub(r"[^A-Za-z0-9._-]", "_", path.stem))
        for key, given in file_sessions.items():
            if key in defined_in:
                report.add(("sessions", *key), f"also defined in {defined_in[key]}; define each session once")
            defined_in[key] = str(path)
            sessions[key] = given
        for stub in file_stubs:
            if stub.id in stub_files:
                report.add(("stubs",), f"stub id {stub.id!r} is also used in {stub_files[stub.id]}; ids must be unique")
            stub_files[stub.id] = str(path)
            stubs.append(stub)
        problems.extend(report.problems)
    if problems:
        raise FixtureError(problems)
    return FixtureSet(sessions, tuple(stubs))
