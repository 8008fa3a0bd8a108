"""Plain values into the SDK's request models: the one place that builds SDK objects.

Callers build, hash and store plain values and meet SDK classes only here (and in ``api``,
which sends them). Imports nothing of this package but ``exceptions``.
"""
import enum

from xero_python.accounting import models as accounting_models

from .exceptions import XeroValidationError


def to_sdk(model_name, values):
    """Build the accounting SDK model ``model_name`` (e.g. 'Items') from plain values.

    Keys are the SDK's snake_case attribute names; nested dicts and lists become the nested
    models the SDK declares for them. A value the SDK refuses (too long, missing) raises
    XeroValidationError.
    """
    cls = getattr(accounting_models, model_name)
    try:
        return cls(**{key: _to_sdk_value(cls.openapi_types[key], value)
                      for key, value in values.items()})
    except ValueError as e:
        raise XeroValidationError(f'{model_name}: {e}') from None


def _to_sdk_value(type_name, value):
    if value is None:
        return None
    if type_name.startswith('list[') and isinstance(value, (list, tuple)):
        return [_to_sdk_value(type_name[5:-1], v) for v in value]
    cls = getattr(accounting_models, type_name, None)
    if isinstance(cls, type) and issubclass(cls, enum.Enum) and not isinstance(value, cls):
        return cls(value)
    if cls is not None and isinstance(value, dict):
        return to_sdk(type_name, value)
    return value
