from . import test_oauth_flow
from . import test_tokens
from . import test_mapping_import
from . import test_mapping_taxes
from . import test_mapping_accounts
from . import test_mapping_check
from . import test_mapping_items
from . import test_mapping_views
