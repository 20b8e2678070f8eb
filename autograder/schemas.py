"""nbgrader's cell-metadata check without re-checking its own schema each time.

nbgrader's ``CheckCellMetadata`` validates every grade cell's metadata with
``jsonschema.validate(metadata, schema)``, which first validates the schema
itself against the JSON Schema meta-schema: about 2 ms per cell, twice per
notebook (sanitizing and finishing), more than all the notebook's gradebook
writes.  ``cached_validators()`` gives nbgrader a ``jsonschema`` whose
``validate`` keeps one validator per schema; metadata it finds valid passes as
before, and anything else goes to jsonschema's own ``validate``, so invalid
metadata fails with exactly nbgrader's error.

The course's own cells carry the same metadata in every submission, so the
answer is also remembered: metadata once found valid against a schema
(compared as its JSON text; a schema object's text is taken once) passes
without running the validator again.  Only valid metadata is remembered;
anything else is checked every time.
"""
from __future__ import annotations

import contextlib
import json
import threading

import jsonschema

_VALIDATORS: dict = {}  # schema text -> (validator, the metadata texts it found valid)
_LOCK = threading.Lock()
_SCHEMA_KEYS: dict = {}  # id(schema) -> (schema, its JSON text): nbgrader reuses one dict per validator
_MAX_REMEMBERED = 8192  # valid metadata texts per schema


def _schema_key(schema) -> str:
    with _LOCK:
        known = _SCHEMA_KEYS.get(id(schema))
    if known is not None and known[0] is schema:
        return known[1]
    key = json.dumps(schema, sort_keys=True)
    with _LOCK:
        if len(_SCHEMA_KEYS) >= 64:
            _SCHEMA_KEYS.clear()
        _SCHEMA_KEYS[id(schema)] = (schema, key)  # holding the schema keeps its id from being reused
    return key


def _instance_key(instance) -> str | None:
    try:
        return json.dumps(instance, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):  # not plain JSON: never remembered
        return None


class _CachingJsonschema:
    """Stands in for the ``jsonschema`` module inside nbgrader.nbgraderformat.common."""

    def __getattr__(self, name):
        return getattr(jsonschema, name)

    @staticmethod
    def validate(instance, schema, *args, **kwargs):
        if args or kwargs:
            return jsonschema.validate(instance, schema, *args, **kwargs)
        key = _schema_key(schema)
        text = _instance_key(instance)
        with _LOCK:
            entry = _VALIDATORS.get(key)
        if entry is None:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            entry = (cls(schema), set())
            with _LOCK:
                entry = _VALIDATORS.setdefault(key, entry)
        validator, valid = entry
        if text is not None and text in valid:
            return
        if not validator.is_valid(instance):
            jsonschema.validate(instance, schema)  # raises nbgrader's usual error
            return
        if text is not None:
            with _LOCK:
                if len(valid) >= _MAX_REMEMBERED:
                    valid.clear()
                valid.add(text)


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
