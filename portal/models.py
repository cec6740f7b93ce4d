"""Import every model module so that the metadata is complete (Alembic, tests)."""

from portal.audit import AuditEntry  # noqa: F401
from portal.auth.models import Firm, Role, User  # noqa: F401
from portal.office.models import Office  # noqa: F401
