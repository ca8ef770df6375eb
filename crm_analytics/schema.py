"""Canonical column names shared by every layer of crm_analytics.

``read_transactions`` returns a table with these names whatever the source called
them, and everything downstream (summaries, models, scoring) relies on them.
"""

from __future__ import annotations

CUSTOMER_ID = "customer_id"
DATE = "date"
AMOUNT = "amount"
ORDER_ID = "order_id"
PRODUCT = "product"
QUANTITY = "quantity"

TRANSACTION_REQUIRED = (CUSTOMER_ID, DATE, AMOUNT)
TRANSACTION_OPTIONAL = (ORDER_ID, PRODUCT, QUANTITY)

SIGNUP_DATE = "signup_date"
CANCEL_DATE = "cancel_date"
CHURNED = "churned"
