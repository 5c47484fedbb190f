// The bundle of the municipal_iot integration: the Tillsyn panel and the care
// card. Home Assistant loads it as the panel's module and on every page (for
// the card), so each element is defined once.
import { MunicipalIotCareCard } from "./card";
import { MunicipalIotPanel } from "./panel";

if (!customElements.get("municipal-iot-panel")) {
  customElements.define("municipal-iot-panel", MunicipalIotPanel);
}
if (!customElements.get("municipal-iot-care-card")) {
  customElements.define("municipal-iot-care-card", MunicipalIotCareCard);
  const cards = ((window as unknown as { customCards?: unknown[] }).customCards ??= []);
  cards.push({
    type: "municipal-iot-care-card",
    name: "Municipal IoT: care unit",
    description: "The apartments of one care unit, sorted by urgency, with the staff actions.",
  });
}
