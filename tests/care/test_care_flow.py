"""Config flow for care units and the apartment subentry flow."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import AsyncMock, patch

import probatio as vol
import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, UnknownFlow
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from custom_components.municipal_iot.config_flow import MunicipalIoTConfigFlow
from custom_components.municipal_iot.const import DOMAIN
from tests.care import APT, MOTION, RULES, apartment, apartment_data, care_entry, unit_data
from tests.network import WEBHOOK_CS, network_entry

pytestmark = pytest.mark.usefixtures("phones")

BANDS_FORM = [
    {"start": "07:00:00", "end": "22:00:00", "minutes": 180.0, "weekdays": []},
    {"start": "22:00", "end": "07:00", "weekdays": ["5", "6"]},
]
BANDS_STORED = [
    {"start": "07:00", "end": "22:00", "minutes": 180, "weekdays": [0, 1, 2, 3, 4, 5, 6]},
    {"start": "22:00", "end": "07:00", "minutes": None, "weekdays": [5, 6]},
]
WINDOWS_FORM = [{"start": "07:00:00", "end": "10:00:00", "weekdays": ["0", "1", "2", "3", "4"]}]
WINDOWS_STORED = [{"start": "07:00", "end": "10:00", "weekdays": [0, 1, 2, 3, 4]}]
RULES_FORM = {
    "bands": BANDS_FORM,
    "windows": WINDOWS_FORM,
    "grace_minutes": 10.0,
    "sensor_unavailable_minutes": 15.0,
    "sensor_interval_minutes": 90.0,
}
RULES_STORED = {
    "bands": BANDS_STORED,
    "windows": WINDOWS_STORED,
    "continuous_minutes": None,
    "grace_minutes": 10,
    "sensor_unavailable_minutes": 15,
    "sensor_interval_minutes": 90,
    "outing": None,
    "night_exit": None,
    "planned": None,
}
UNIT_FORM = {
    "name": " Solrosen ",
    "staff_targets": ["mobile_app_phone_a"],
    "escalation_targets": ["mobile_app_night"],
    "escalation_minutes": 10.0,
    "reminder_minutes": 0.0,
    "critical": True,
    "retention_months": 24.0,
}
APARTMENT_FORM = {
    "label": " Lägenhet 5 ",
    "motion_sensors": [MOTION],
    "consent_date": "2026-02-01",
    "rules_mode": "unit",
}


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Do not set up entries created by the flow."""
    with patch(
        "custom_components.municipal_iot.async_setup_entry", return_value=True
    ) as mock_setup:
        yield mock_setup


def suggested(result: Any) -> dict[str, Any]:
    """Return a form's suggested values by field."""
    return {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }


async def _care_form(hass: HomeAssistant) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert "care_unit" in result["menu_options"]
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "care_unit"}
    )


@pytest.mark.usefixtures("mock_setup_entry")
async def test_create_care_unit(hass: HomeAssistant) -> None:
    """The unit is named, its phones chosen and its default rules validated."""
    result = await _care_form(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "care_unit"
    assert result["description_placeholders"] == {"count": "3"}
    assert suggested(result) == {
        "escalation_minutes": 10,
        "reminder_minutes": 5,
        "critical": False,
        "retention_months": 13,
    }

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**UNIT_FORM, "name": " -- "}
    )
    assert result["errors"] == {"name": "invalid_name"}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], UNIT_FORM)
    assert result["step_id"] == "care_rules"
    assert suggested(result) == {
        "bands": [],
        "windows": [],
        "grace_minutes": 10,
        "sensor_unavailable_minutes": 15,
    }

    too_long = [{"start": "07:00", "end": "08:00", "minutes": 120}]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**RULES_FORM, "bands": too_long}
    )
    assert result["errors"] == {"bands": "invalid_band"}
    assert suggested(result)["bands"] == too_long  # the input is kept

    no_length = [{"start": "07:00", "end": "07:00"}]
    with_seconds = [{"start": "07:00:30", "end": "08:00", "minutes": 30}]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**RULES_FORM, "bands": with_seconds, "windows": no_length}
    )
    assert result["errors"] == {"bands": "invalid_band", "windows": "invalid_window"}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], RULES_FORM)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Solrosen"
    assert result["result"].unique_id == "care_unit_solrosen"
    assert result["data"] == {
        "entry_type": "care_unit",
        "staff_targets": ["mobile_app_phone_a"],
        "escalation_targets": ["mobile_app_night"],
        "escalation_minutes": 10,
        "reminder_minutes": 0,
        "critical": True,
        "retention_months": 24,
        "rules": RULES_STORED,
    }


@pytest.mark.usefixtures("mock_setup_entry")
async def test_duplicate_care_unit(hass: HomeAssistant) -> None:
    """Two units cannot have the same name."""
    care_entry().add_to_hass(hass)
    result = await _care_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], UNIT_FORM)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "care_unit_exists"


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_care_unit(hass: HomeAssistant) -> None:
    """Reconfigure shows the stored settings and rules and saves the changes."""
    entry = care_entry(rules=RULES_STORED | {"continuous_minutes": 600})
    entry.add_to_hass(hass)
    MockConfigEntry(
        domain=DOMAIN, title="Vallmon", unique_id="care_unit_vallmon", data=unit_data()
    ).add_to_hass(hass)

    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "care_reconfigure"
    assert suggested(result) == {
        "name": "Solrosen",
        "staff_targets": ["mobile_app_phone_a", "mobile_app_phone_b"],
        "escalation_targets": ["mobile_app_night"],
        "escalation_minutes": 10,
        "reminder_minutes": 5,
        "critical": False,
        "retention_months": 13,
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**UNIT_FORM, "name": "!"}
    )
    assert result["errors"] == {"name": "invalid_name"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**UNIT_FORM, "name": "Vallmon"}
    )
    assert result["errors"] == {"name": "name_in_use"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**UNIT_FORM, "name": "Solrosen Nord"}
    )
    assert result["step_id"] == "care_rules"
    assert suggested(result) == {
        "bands": [
            {"start": "07:00", "end": "22:00", "minutes": 180, "weekdays": WEEKDAY_STRINGS},
            {"start": "22:00", "end": "07:00", "weekdays": ["5", "6"]},
        ],
        "windows": [{"start": "07:00", "end": "10:00", "weekdays": ["0", "1", "2", "3", "4"]}],
        "continuous_minutes": 600,
        "grace_minutes": 10,
        "sensor_unavailable_minutes": 15,
        "sensor_interval_minutes": 90,
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"grace_minutes": 5, "sensor_unavailable_minutes": 30}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "care_unit_updated"
    assert entry.title == "Solrosen Nord"
    assert entry.unique_id == "care_unit_solrosen_nord"
    assert entry.data["critical"] is True
    assert entry.data["rules"] == {
        "bands": [],
        "windows": [],
        "continuous_minutes": None,
        "grace_minutes": 5,
        "sensor_unavailable_minutes": 30,
        "sensor_interval_minutes": None,
        "outing": None,
        "night_exit": None,
        "planned": None,
    }
    assert len(entry.subentries) == 1  # apartments are kept


WEEKDAY_STRINGS = ["0", "1", "2", "3", "4", "5", "6"]


async def test_entry_kinds_and_options(hass: HomeAssistant) -> None:
    """Care units have apartments and options (the journal download), as network servers do."""
    care = care_entry()
    network = network_entry("chirpstack", WEBHOOK_CS)
    flow = MunicipalIoTConfigFlow
    assert list(flow.async_get_supported_subentry_types(care)) == ["apartment"]
    assert flow.async_get_supported_subentry_types(network) == {}
    assert flow.async_supports_options_flow(care) is True
    assert flow.async_supports_options_flow(network) is True


async def _apartment_form(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    return await hass.config_entries.subentries.async_init(
        (entry.entry_id, "apartment"), context={"source": SOURCE_USER}
    )


@pytest.mark.usefixtures("mock_setup_entry")
async def test_add_apartment_with_unit_rules(hass: HomeAssistant) -> None:
    """An apartment needs a label without personal data, sensors and a consent date."""
    entry = care_entry()
    entry.add_to_hass(hass)
    result = await _apartment_form(hass, entry)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert suggested(result) == {"rules_mode": "unit"}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**APARTMENT_FORM, "label": " ? "}
    )
    assert result["errors"] == {"label": "invalid_label"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**APARTMENT_FORM, "label": "lägenhet  3"}
    )
    assert result["errors"] == {"label": "label_in_use"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**APARTMENT_FORM, "door_sensors": [MOTION]}
    )
    assert result["errors"] == {"door_sensors": "sensor_twice"}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            **APARTMENT_FORM,
            "door_sensors": ["binary_sensor.apt5_door"],
            "area_id": "lagenhet_5",
            "action_plan": "  Knacka två gånger. ",
            "decision_reference": " SN-2026-12 ",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    subentry = next(sub for sub in entry.subentries.values() if sub.title == "Lägenhet 5")
    assert subentry.subentry_type == "apartment"
    assert dict(subentry.data) == {
        "motion_sensors": [MOTION],
        "door_sensors": ["binary_sensor.apt5_door"],
        "area_id": "lagenhet_5",
        "action_plan": "Knacka två gånger.",
        "consent_date": "2026-02-01",
        "decision_reference": "SN-2026-12",
        "rules_mode": "unit",
        "rules": None,
    }


@pytest.mark.usefixtures("mock_setup_entry")
async def test_add_apartment_with_own_rules(hass: HomeAssistant) -> None:
    """Own rules start from the unit's rules and are validated like them."""
    entry = care_entry()
    entry.add_to_hass(hass)
    result = await _apartment_form(hass, entry)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**APARTMENT_FORM, "rules_mode": "custom"}
    )
    assert result["step_id"] == "rules"
    assert suggested(result) == {
        "bands": [],
        "windows": [],
        "continuous_minutes": 60,
        "grace_minutes": 10,
        "sensor_unavailable_minutes": 15,
    }
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**RULES_FORM, "windows": [{"start": "09:00", "end": "09:00"}]}
    )
    assert result["errors"] == {"windows": "invalid_window"}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], RULES_FORM)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    subentry = next(sub for sub in entry.subentries.values() if sub.title == "Lägenhet 5")
    assert subentry.data["rules_mode"] == "custom"
    assert subentry.data["rules"] == RULES_STORED
    assert subentry.data["door_sensors"] == []
    assert subentry.data["area_id"] is None


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_apartment(hass: HomeAssistant) -> None:
    """Reconfigure keeps the label check, prefills the stored data and own rules."""
    own = RULES_STORED | {"bands": []}
    entry = care_entry(
        apartment(rules_mode="custom", rules=own),
        apartment("apt7", "Lägenhet 7"),
    )
    entry.add_to_hass(hass)
    result = await entry.start_subentry_reconfigure_flow(hass, APT)
    assert result["step_id"] == "reconfigure"
    expected = {**apartment_data(rules_mode="custom"), "label": "Lägenhet 3"}
    del expected["rules"]  # not a form field
    assert suggested(result) == expected
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**APARTMENT_FORM, "label": "Lägenhet 7"}
    )
    assert result["errors"] == {"label": "label_in_use"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**APARTMENT_FORM, "label": "Lägenhet 3", "rules_mode": "custom"}
    )
    assert result["step_id"] == "rules"
    assert suggested(result)["sensor_interval_minutes"] == 90
    assert suggested(result)["windows"] == [
        {"start": "07:00", "end": "10:00", "weekdays": ["0", "1", "2", "3", "4"]}
    ]
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {"continuous_minutes": 240, "grace_minutes": 0, "sensor_unavailable_minutes": 20},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    subentry = entry.subentries[APT]
    assert subentry.title == "Lägenhet 3"
    assert subentry.data["consent_date"] == "2026-02-01"
    assert subentry.data["rules"] == {
        "bands": [],
        "windows": [],
        "continuous_minutes": 240,
        "grace_minutes": 0,
        "sensor_unavailable_minutes": 20,
        "sensor_interval_minutes": None,
        "outing": None,
        "night_exit": None,
        "planned": None,
    }

    result = await entry.start_subentry_reconfigure_flow(hass, "apt7")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**APARTMENT_FORM, "label": "Lägenhet 7B"}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.subentries["apt7"].title == "Lägenhet 7B"
    assert entry.subentries["apt7"].data["rules"] is None
    assert RULES["continuous_minutes"] == 60  # the unit's rules are untouched


@pytest.mark.usefixtures("mock_setup_entry")
async def test_consent_date_must_be_entered(hass: HomeAssistant) -> None:
    """No date is filled in for the user (the frontend would put today in a required one)."""
    entry = care_entry()
    entry.add_to_hass(hass)
    result = await _apartment_form(hass, entry)
    consent = next(key for key in result["data_schema"].schema if str(key) == "consent_date")
    assert not isinstance(consent, vol.Required)
    assert "suggested_value" not in (consent.description or {})
    without = {key: value for key, value in APARTMENT_FORM.items() if key != "consent_date"}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], without)
    assert result["errors"] == {"consent_date": "consent_required"}


@pytest.mark.usefixtures("mock_setup_entry")
async def test_rules_form_names_weekdays_and_takes_hh_mm(hass: HomeAssistant) -> None:
    """Weekday names in Home Assistant's language; times are HH:MM, without seconds."""
    hass.config.language = "sv"
    result = await _care_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], UNIT_FORM)
    assert result["step_id"] == "care_rules"
    bands = next(key for key in result["data_schema"].schema if str(key) == "bands")
    fields = result["data_schema"].schema[bands].config["fields"]
    weekdays = fields["weekdays"]["selector"]["select"]["options"]
    assert [option["label"] for option in weekdays] == [
        "Måndag",
        "Tisdag",
        "Onsdag",
        "Torsdag",
        "Fredag",
        "Lördag",
        "Söndag",
    ]
    start = fields["start"]["selector"]["select"]
    assert start["options"][:3] == ["00:00", "00:15", "00:30"]
    assert start["custom_value"] is True  # any minute can be typed


@pytest.mark.usefixtures("mock_setup_entry")
async def test_an_abandoned_care_flow_does_not_block_the_name(hass: HomeAssistant) -> None:
    """A flow left open on its last step does not keep others from using the name."""
    abandoned = await _care_form(hass)
    await hass.config_entries.flow.async_configure(abandoned["flow_id"], UNIT_FORM)
    result = await _care_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], UNIT_FORM)
    assert result["step_id"] == "care_rules"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], RULES_FORM)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Home Assistant ends the abandoned flow once the name is taken.
    with pytest.raises(UnknownFlow):
        await hass.config_entries.flow.async_configure(abandoned["flow_id"], RULES_FORM)


@pytest.mark.usefixtures("mock_setup_entry")
async def test_phones_by_their_names(hass: HomeAssistant) -> None:
    """Staff phones show the name the app registered, not only the notify action."""
    MockConfigEntry(
        domain="mobile_app", data={"device_name": "Annas iPhone", "user_id": "u"}
    ).add_to_hass(hass)
    async_mock_service(hass, "notify", "mobile_app_annas_iphone")
    result = await _care_form(hass)
    staff = next(key for key in result["data_schema"].schema if str(key) == "staff_targets")
    options = result["data_schema"].schema[staff].config["options"]
    assert {
        "value": "mobile_app_annas_iphone",
        "label": "Annas iPhone (notify.mobile_app_annas_iphone)",
    } in options
    assert {"value": "mobile_app_night", "label": "night (notify.mobile_app_night)"} in options


PERSONNUMMER = "811218-9876"  # passes the Luhn test


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize("field", ["label", "action_plan", "decision_reference"])
async def test_apartment_free_text_refuses_a_personal_number(
    hass: HomeAssistant, field: str
) -> None:
    """No free-text field of an apartment takes a personnummer (issue 10, defect 11)."""
    entry = care_entry()
    entry.add_to_hass(hass)
    result = await _apartment_form(hass, entry)
    form = {**APARTMENT_FORM, field: f"Lgh 5 {PERSONNUMMER}"}
    for _ in range(2):  # submitting it again does not help
        result = await hass.config_entries.subentries.async_configure(result["flow_id"], form)
        assert result["errors"] == {field: "personal_number"}


@pytest.mark.usefixtures("mock_setup_entry")
async def test_apartment_free_text_warns_about_a_name(hass: HomeAssistant) -> None:
    """A possible name warns; the same text submitted again is kept."""
    entry = care_entry()
    entry.add_to_hass(hass)
    result = await _apartment_form(hass, entry)
    form = {**APARTMENT_FORM, "action_plan": "Ring Anna om hon sover."}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], form)
    assert result["errors"] == {"action_plan": "possible_name"}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    subentry = next(sub for sub in entry.subentries.values() if sub.title == "Lägenhet 5")
    assert subentry.data["action_plan"] == "Ring Anna om hon sover."


async def test_care_unit_name_refuses_a_personal_number(hass: HomeAssistant) -> None:
    """The unit's name is free text too (a place name: capitals do not warn)."""
    result = await _care_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**UNIT_FORM, "name": f"Solrosen {PERSONNUMMER}"}
    )
    assert result["errors"] == {"name": "personal_number"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**UNIT_FORM, "name": "Gruppbostad Solrosen"}
    )
    assert result["step_id"] == "care_rules"
