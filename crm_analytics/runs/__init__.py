"""What a scoring run leaves behind: database tables, workbooks and the customer report.

:mod:`crm_analytics.runs.database` writes the scored table to PostgreSQL, SQLite or DuckDB
(one transaction per as-of date) and :mod:`crm_analytics.runs.workbook` writes the Excel
workbook for account managers.
"""
