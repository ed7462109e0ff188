"""What the tests share and are not tests themselves: CLI and deployment helpers, the deliberately
failing cells and speed drivers the isolated workers import (``helpers.fault_cells:...``), the
Keras model runs, and the pytest plug-ins (skip guard, xdist file split)."""
