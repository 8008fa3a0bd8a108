from . import xero_token
from . import xero_oauth_state
from . import xero_organisation
from . import res_config_settings
