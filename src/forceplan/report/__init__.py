"""Stage 5: report. Charts, a self-contained HTML report and Excel workbooks of results.

Every function here takes result types (PlanResult, a simulation Dataset, a
comparison frame) and run metadata as plain dicts; none reads the store.
Heavy libraries (Altair, vl-convert, XlsxWriter) are imported on first use.
"""
