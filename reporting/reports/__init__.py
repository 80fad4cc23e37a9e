"""Client performance reports: gathered from the reporting selectors, drawn as PDF, stored and scheduled.

``content`` reads every figure (returns from ``reporting.selectors``, risk from ``reporting.metrics``,
holdings and activity from the portfolios selectors) into plain dataclasses; ``pdf`` lays them out
with ReportLab; ``services`` stores the file, audits downloads and manages schedules.
"""
