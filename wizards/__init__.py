from . import xero_mapping_check
