"""Water-metering domain logic, free of Home Assistant imports.

Modules:

* :mod:`.model` - shared value types (readings, hourly statistics rows).
* :mod:`.history` - meter history to hourly long-term statistics rows.
* :mod:`.leak` - leak rules (continuous flow, night flow, burst, meter codes).
* :mod:`.replacement` - meter swaps and continuous consumption across them.
* :mod:`.report` - per-meter period report from hourly statistics rows.
* :mod:`.csv_export` - CSV text and file name for a report.
* :mod:`.schedule` - report schedules and the billing period of a run.

All datetimes are timezone-aware; results are in UTC unless stated otherwise.
Volumes are cubic metres (m³) unless a name says litres.
"""
