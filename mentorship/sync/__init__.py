"""Bulk synchronisation from HR systems: people and departments upserted by their HR keys (the
API's bulk and single upserts, and the CSV import).

Rows are validated all together first; any bad row means nothing is written and every bad row is
reported. Writes then use bulk queries, so their number grows with the number of batches, not with
the number of rows.
"""

from __future__ import annotations

from mentorship.sync.departments import department_upsert, departments_bulk_upsert
from mentorship.sync.engine import (
    BULK_BATCH_SIZE,
    BULK_MAX_ROWS,
    DEPARTMENT_ROW_FIELDS,
    EMPLOYEE_ROW_FIELDS,
    BulkResult,
    BulkValidationError,
)
from mentorship.sync.people import employee_upsert, employees_bulk_upsert

__all__ = [
    "BULK_BATCH_SIZE",
    "BULK_MAX_ROWS",
    "DEPARTMENT_ROW_FIELDS",
    "EMPLOYEE_ROW_FIELDS",
    "BulkResult",
    "BulkValidationError",
    "department_upsert",
    "departments_bulk_upsert",
    "employee_upsert",
    "employees_bulk_upsert",
]
