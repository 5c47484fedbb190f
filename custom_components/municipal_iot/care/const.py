"""Constants for care units (digital supervision) and their apartments."""

from __future__ import annotations

from typing import Final

from ..supervision.events import EventKind

SUBENTRY_APARTMENT: Final = "apartment"

# Care unit entry data
CONF_STAFF_TARGETS: Final = "staff_targets"  # notify service names (mobile_app_*)
CONF_ESCALATION_TARGETS: Final = "escalation_targets"
CONF_ESCALATION_MINUTES: Final = "escalation_minutes"  # 0 = off
CONF_REMINDER_MINUTES: Final = "reminder_minutes"  # 0 = off
CONF_CRITICAL: Final = "critical"  # iOS critical alerts for alarms
CONF_RETENTION_MONTHS: Final = "retention_months"
CONF_RULES: Final = "rules"  # the unit's default rules (supervision.rules dict form)

# Apartment subentry data (the subentry title is the apartment label)
CONF_LABEL: Final = "label"
CONF_MOTION_SENSORS: Final = "motion_sensors"
CONF_DOOR_SENSORS: Final = "door_sensors"
CONF_AREA: Final = "area_id"
CONF_ACTION_PLAN: Final = "action_plan"
CONF_CONSENT_DATE: Final = "consent_date"
CONF_DECISION_REF: Final = "decision_reference"
CONF_RULES_MODE: Final = "rules_mode"
RULES_UNIT: Final = "unit"  # use the care unit's rules
RULES_CUSTOM: Final = "custom"  # the apartment's own rules in CONF_RULES

# Rule keys, as in supervision.rules.ApartmentRules.from_dict
CONF_BANDS: Final = "bands"
CONF_WINDOWS: Final = "windows"
CONF_CONTINUOUS: Final = "continuous_minutes"
CONF_GRACE: Final = "grace_minutes"
CONF_UNAVAILABLE: Final = "sensor_unavailable_minutes"
CONF_INTERVAL: Final = "sensor_interval_minutes"
CONF_OUTING: Final = "outing"
CONF_NIGHT_EXIT: Final = "night_exit"
CONF_PLANNED: Final = "planned"  # planned checks: times (a list in the form) and a look-back
CONF_PLANNED_LOOKBACK: Final = "planned_lookback_minutes"  # the form's field
# The rules form's flat fields of the door rules (stored nested under the two keys above)
CONF_OUTING_MINUTES: Final = "outing_minutes"
CONF_NOT_BACK_START: Final = "not_back_start"
CONF_NOT_BACK_END: Final = "not_back_end"
CONF_NOT_BACK_MINUTES: Final = "not_back_minutes"
CONF_NIGHT_EXIT_START: Final = "night_exit_start"
CONF_NIGHT_EXIT_END: Final = "night_exit_end"
CONF_RETURN_MINUTES: Final = "return_minutes"

DEFAULT_ESCALATION_MINUTES: Final = 10
DEFAULT_REMINDER_MINUTES: Final = 5
DEFAULT_RETENTION_MONTHS: Final = 13
LOW_BATTERY_PERCENT: Final = 20  # a battery sensor below this is low
DAYS_PER_MONTH: Final = 30.44

# Home Assistant events; data["type"] tells what happened (see EVENT_TYPES).
EVENT_ALARM: Final = "municipal_iot_alarm"
EVENT_SENSOR: Final = "municipal_iot_sensor"
EVENT_SUPERVISION: Final = "municipal_iot_supervision"

# Which HA event each engine event is fired as; data["type"] is the kind's value.
EVENT_TYPES: Final[dict[EventKind, str]] = {
    EventKind.ALARM_RAISED: EVENT_ALARM,
    EventKind.ESCALATE: EVENT_ALARM,
    EventKind.REMIND: EVENT_ALARM,
    EventKind.ACKNOWLEDGED: EVENT_ALARM,
    EventKind.MOTION_RETURNED: EVENT_ALARM,
    EventKind.RESOLVED: EVENT_ALARM,
    EventKind.SENSOR_PROBLEM: EVENT_SENSOR,
    EventKind.SENSOR_RECOVERED: EVENT_SENSOR,
    EventKind.LOW_BATTERY: EVENT_SENSOR,
    EventKind.GRACE_STARTED: EVENT_SUPERVISION,
    EventKind.GRACE_CANCELLED: EVENT_SUPERVISION,
    EventKind.CHECK_PASSED: EVENT_SUPERVISION,
    EventKind.CHECK_MISSED: EVENT_SUPERVISION,
    EventKind.CHECK_SKIPPED: EVENT_SUPERVISION,
    EventKind.PAUSED: EVENT_SUPERVISION,
    EventKind.RESUMED: EVENT_SUPERVISION,
    EventKind.AWAY_STARTED: EVENT_SUPERVISION,
    EventKind.AWAY_ENDED: EVENT_SUPERVISION,
    EventKind.NIGHT_EXIT_RETURNED: EVENT_ALARM,
    EventKind.NIGHT_DOOR: EVENT_ALARM,
    EventKind.STATE_LOST: EVENT_SUPERVISION,
    EventKind.STATE_CHECKED: EVENT_SUPERVISION,
    EventKind.PLANNED_CHECK: EVENT_SUPERVISION,
    EventKind.PLANNED_CHECK_MISSED: EVENT_SUPERVISION,
}

# Journal kinds written by the adapter (besides the engine's event kinds).
JOURNAL_NOTIFY_FAILED: Final = "notify_failed"
JOURNAL_DELIVERY_GAVE_UP: Final = "delivery_gave_up"  # retries failed: escalated at once
JOURNAL_OUTAGE: Final = "supervision_outage"  # unit level: supervision was off (heartbeat gap)

# Pause reasons offered in actions and the panel; the switch pauses for an hour.
PAUSE_REASONS: Final = ("away", "hospital", "guests", "other", "manual")
PAUSE_REASON_SWITCH: Final = "manual"
SWITCH_PAUSE_MINUTES: Final = 60
# The phone's "Checked, all OK" closes with the first of supervision.journal.OUTCOMES.
OUTCOME_ALL_OK: Final = "visited_all_ok"
NOTE_MAX_LENGTH: Final = 200

# The Tillsyn panel (sidebar) and its bundle, served from the integration's frontend folder.
PANEL_URL_PATH: Final = "tillsyn"
PANEL_ELEMENT: Final = "municipal-iot-panel"
PANEL_ICON: Final = "mdi:home-heart"
FRONTEND_URL: Final = "/municipal_iot_frontend"
BUNDLE_FILE: Final = "municipal-iot.js"
JOURNAL_CSV_URL: Final = "/api/municipal_iot/journal/{entry_id}"
DOWNLOAD_MINUTES: Final = 5  # how long a signed download link works

# Storage
STATE_SAVE_DELAY: Final = 1.0  # seconds; coalesces motion-only saves
JOURNAL_SAVE_DELAY: Final = 2.0
EXPORT_DIR: Final = ("municipal_iot", "journal")  # under the HA config directory

# Unit rules (the care unit's options flow): network outage share and the test alarm.
CONF_NETWORK_SHARE: Final = "network_outage_percent"
CONF_TEST_ALARM: Final = "test_alarm"  # off | daily | weekly
CONF_TEST_ALARM_TIME: Final = "test_alarm_time"
CONF_TEST_ALARM_WEEKDAY: Final = "test_alarm_weekday"
JOURNAL_NETWORK_OUTAGE: Final = "network_outage"  # unit level: many sensors offline together
JOURNAL_NETWORK_RESTORED: Final = "network_outage_ended"
