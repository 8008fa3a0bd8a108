from . import xero_mapping_check
from . import xero_migration_wizard
