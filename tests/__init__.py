from . import test_oauth_flow
from . import test_tokens
