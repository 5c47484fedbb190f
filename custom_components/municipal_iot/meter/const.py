"""Constants of the water-meter glue (statistics, leak detection, meter reports)."""

from __future__ import annotations

from typing import Final

from ..const import DOMAIN, VOLUME_KEY

# Unique id suffix of our LoRaWAN volume sensors (unique id "<dev_eui>_volume").
VOLUME_UNIQUE_ID_SUFFIX: Final = f"_{VOLUME_KEY}"

# Meter report entry data
CONF_METERS: Final = "meters"
CONF_AREAS: Final = "areas"
CONF_LABELS: Final = "labels"
CONF_FREQUENCY: Final = "frequency"
CONF_DAY: Final = "day"
CONF_WEEKDAY: Final = "weekday"
CONF_TIME: Final = "time"
CONF_RECIPIENTS: Final = "recipients"
CONF_SEPARATOR: Final = "separator"
CONF_DECIMAL_COMMA: Final = "decimal_comma"

DEFAULT_FREQUENCY: Final = "monthly"
DEFAULT_DAY: Final = "1"
DEFAULT_WEEKDAY: Final = "0"
DEFAULT_TIME: Final = "06:00:00"
DEFAULT_SEPARATOR: Final = "semicolon"
SEPARATORS: Final = {"semicolon": ";", "comma": ",", "tab": "\t"}

# Meter report entry options: leak rule settings, defaults and per meter.
CONF_LEAK: Final = "leak"
CONF_LEAK_METERS: Final = "leak_meters"
CONF_LEAK_RULES: Final = "rules"  # the enabled leak rules
CONF_NIGHT_START: Final = "night_start"
CONF_NIGHT_END: Final = "night_end"
CONF_NIGHT_LITRES: Final = "night_threshold_litres"
CONF_BURST_FLOW: Final = "burst_flow_m3h"
CONF_BURST_MINUTES: Final = "burst_minutes"
CONF_CONTINUOUS_HOURS: Final = "continuous_hours"

# Action fields
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_START: Final = "start"
ATTR_END: Final = "end"
ATTR_METERS: Final = "meters"
ATTR_NOTIFY: Final = "notify"
ATTR_DATE: Final = "date"
ATTR_OLD_FINAL: Final = "old_final_m3"
ATTR_NEW_INITIAL: Final = "new_initial_m3"
ATTR_OLD_METER_ID: Final = "old_meter_id"
ATTR_NEW_METER_ID: Final = "new_meter_id"

SERVICE_REPLACE_METER: Final = "replace_meter"
SERVICE_METER_REPORT: Final = "meter_report"

# Reports are written here, under the HA config directory; never a user path.
REPORTS_DIR: Final = (DOMAIN, "reports")
# Longest period a report may cover.
MAX_REPORT_DAYS: Final = 400
