"""The indicator screens, one module a screen: the dashboard of the reader's scope, an
indicator's page and the capacity against the norms; charts and reads are shared."""

from .capacity import capacity
from .dashboard import dashboard
from .indicator import indicator_detail

__all__ = ["capacity", "dashboard", "indicator_detail"]
