"""nbgrader's cell-metadata check without re-checking its own schema each time.

nbgrader's ``CheckCellMetadata`` validates every grade cell's metadata with
``jsonschema.validate(metadata, schema)``, which first validates the schema
itself against the JSON Schema meta-schema: about 2 ms per cell, twice per
notebook (sanitizing and finishing), more than all the notebook's gradebook
writes.  ``cached_validators()`` gives nbgrader a ``jsonschema`` whose
``validate`` keeps one validator per schema; metadata it finds valid passes as
before, and anything else goes to jsonschema's own ``validate``, so invalid
metadata fails with exactly nbgrader's error.
"""
from __future__ import annotations

import contextlib
import json
import threading

import jsonschema

_VALIDATORS: dict = {}
_LOCK = threading.Lock()


class _CachingJsonschema:
    """Stands in for the ``jsonschema`` module inside nbgrader.nbgraderformat.common."""

    def __getattr__(self, name):
        return getattr(jsonschema, name)

    @staticmethod
    def validate(instance, schema, *args, **kwargs):
        if args or kwargs:
            return jsonschema.validate(instance, schema, *args, **kwargs)
        key = json.dumps(schema, sort_keys=True)
        with _LOCK:
            validator = _VALIDATORS.get(key)
        if validator is None:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = cls(schema)
            with _LOCK:
                _VALIDATORS[key] = validator
        if not validator.is_valid(instance):
            jsonschema.validate(instance, schema)  # raises nbgrader's usual error


@contextlib.contextmanager
def cached_validators():
    from nbgrader.nbgraderformat import common

    if common.jsonschema is not jsonschema:  # already swapped (a run inside a run)
        yield
        return
    common.jsonschema = _CachingJsonschema()
    try:
        yield
    finally:
        common.jsonschema = jsonschema
