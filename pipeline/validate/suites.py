"""Load the expectation suites (``expectations/*.json``) and run them with GX.

The JSON files are the source of truth for the rules; this module only feeds them frames and
parameters. GX is imported lazily (it takes seconds) with analytics and progress bars off.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import importlib
import json
import os
import sys
import types
from dataclasses import dataclass
from pathlib import Path

from pipeline.validate.frames import Frame
from pipeline.validate.render import shown_columns

SUITES_DIR = Path(__file__).resolve().parents[2] / "expectations"

#: Modules GX imports at start-up for what these suites and an ephemeral context never use:
#: the KL-divergence test and its altair charts (40 % of GX's import time), the JSON-schema
#: expectation (jsonschema), Data Docs' Markdown (mistune), tqdm's asyncio flavour, the e-mail
#: action (smtplib, email.policy) and the config file of a file-backed context
#: (configparser). They load on first use instead. Only modules GX reads no attribute of while
#: it is imported or validating can be listed (``tests/test_validate.py`` checks each), and
#: only installed ones: GX catches the ImportError of a missing optional module.
UNUSED_AT_IMPORT = ("scipy.stats", "altair", "jsonschema", "mistune", "asyncio", "smtplib",
                    "email.policy", "configparser")


@dataclass(frozen=True)
class SuiteFile:
    name: str
    #: The staged table failure lines name (a derived frame names the table it checks).
    table: str
    data: dict


def load_suites(suites_dir: Path = SUITES_DIR) -> dict[str, SuiteFile]:
    suites = {}
    for path in sorted(Path(suites_dir).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("name") != path.stem:
            raise ValueError(f"{path}: suite name {data.get('name')!r} differs from file name")
        suites[path.stem] = SuiteFile(path.stem, data.get("meta", {}).get("table", path.stem), data)
    return suites


@functools.cache
def runner() -> Runner:
    """The process-wide runner: building a GX context costs time, reusing it is safe."""
    return Runner()


class Runner:
    """One ephemeral GX context; validates a DataFrame against a suite file."""

    def __init__(self) -> None:
        os.environ["GX_ANALYTICS_ENABLED"] = "false"
        defer(*UNUSED_AT_IMPORT)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        self._context = gx.get_context(mode="ephemeral")
        self._context.variables.progress_bars = ProgressBarsConfig(globally=False)
        # One asset for every frame: adding assets rewrites the context config (slow).
        asset = self._context.data_sources.add_pandas("staged").add_dataframe_asset("frame")
        self._batch_definition = asset.add_batch_definition_whole_dataframe("whole")

    def run(self, suite: SuiteFile, frame: Frame, params: dict) -> list:
        """GX results for every expectation of the suite, in file order."""
        gx_suite = self._gx.ExpectationSuite(**suite.data)
        if len(gx_suite.expectations) != len(suite.data["expectations"]):
            raise ValueError(f"expectations/{suite.name}.json: an expectation is invalid")
        batch = self._batch_definition.get_batch(batch_parameters={"dataframe": frame.df})
        # Offending rows carry the key plus every column a ``meta.show`` template prints.
        shown = [c for e in suite.data["expectations"] for c in shown_columns(e)]
        columns = [c for c in dict.fromkeys(frame.key + shown) if c in frame.df.columns]
        with configurations_memoized(self._gx.expectations.Expectation):
            outcome = batch.validate(
                gx_suite,
                expectation_parameters=params,
                result_format={"result_format": "COMPLETE",
                               "unexpected_index_column_names": columns},
            )
        order = {e["description"]: i for i, e in enumerate(suite.data["expectations"])}
        return sorted(outcome.results, key=lambda r: order[r.expectation_config.description])


@contextlib.contextmanager
def configurations_memoized(expectation: type):
    """While validating, ``expectation.configuration`` is worked out once per object and state.

    GX builds an expectation's ``ExpectationConfiguration`` anew (pydantic's ``dict()`` of
    every field) each time the property is read: ~55 times an expectation while validating,
    40 % of the validation's time. The property depends on the object's fields only, so it is
    kept per object as long as no field is re-bound (the field values' identities are
    compared); each read returns a shallow copy, as GX re-binds the copy's kwargs when it
    substitutes the parameters (``process_suite_parameters``); it never edits them in place
    but in a deep copy. Nothing changes if GX no longer has such a property.
    """
    original = expectation.__dict__.get("configuration")
    if not isinstance(original, property):
        yield
        return
    made: dict[int, tuple] = {}  # id → (the object, its fields' identities, the configuration)

    def configuration(self):
        state = tuple(map(id, self.__dict__.values()))
        known = made.get(id(self))
        if known is None or known[0] is not self or known[1] != state:
            known = made[id(self)] = (self, state, original.fget(self))
        return copy.copy(known[2])

    expectation.configuration = property(configuration, doc=original.__doc__)
    try:
        yield
    finally:
        expectation.configuration = original


class Deferred(types.ModuleType):
    """Stands in for a module in ``sys.modules`` until one of its attributes is first read.

    ``import X`` and ``from pkg import X`` then bind this stand-in; the first attribute read
    imports the real module (and replaces the stand-in in ``sys.modules``).
    """

    def __getattr__(self, attr: str):
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        module = importlib.import_module(self.__name__)
        self.__dict__.update(module.__dict__)
        return getattr(module, attr)


def defer(*names: str) -> None:
    """Import the named modules only when they are used (those not imported yet)."""
    for name in names:
        sys.modules.setdefault(name, Deferred(name))
