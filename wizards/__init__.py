from . import xero_mapping_check
from . import xero_migration_wizard
from . import xero_bank_feed_wizard
