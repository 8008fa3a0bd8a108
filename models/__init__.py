from . import xero_token
from . import xero_oauth_state
from . import xero_organisation
from . import res_config_settings
from . import xero_link_mixin
from . import xero_partner_link
from . import res_partner
