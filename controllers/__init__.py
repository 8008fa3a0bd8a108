from . import main
from . import migration
