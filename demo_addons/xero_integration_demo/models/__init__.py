from . import xero_organisation
