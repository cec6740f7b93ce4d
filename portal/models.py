"""Import every model module so that the metadata is complete (Alembic, tests)."""

from payments.models import (  # noqa: F401
    CartItem,
    DepositAccount,
    DepositMovement,
    FeeRule,
    FeeSchedule,
    NumberSequence,
    Order,
    OrderFee,
    OrderItem,
    Payment,
    PaymentEvent,
    Refund,
)
from portal.api.models import ApiClient  # noqa: F401
from portal.audit import AuditEntry  # noqa: F401
from portal.auth.models import Firm, RecoveryCode, Role, User, UserSession  # noqa: F401
from portal.backoffice.models import DeliveryAttempt, OutboxMessage  # noqa: F401
from portal.clients.models import Client, PowerOfAttorney  # noqa: F401
from portal.documents.models import Document  # noqa: F401
from portal.filings.models import Filing  # noqa: F401
from portal.jobs.models import Job  # noqa: F401
from portal.office.models import Office  # noqa: F401
from portal.receipts.models import Receipt  # noqa: F401
from portal.tracking.models import CalendarFeed, Notification, OfficeStatus  # noqa: F401
