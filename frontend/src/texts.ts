// The integration's own texts (translations/<lang>.json, section "common"),
// loaded with Home Assistant's backend translations, and time formatting in
// Home Assistant's time zone.
import { DOMAIN, HomeAssistant } from "./api";

const loaded = new WeakSet<object>();

export async function loadTexts(hass: HomeAssistant): Promise<void> {
  if (loaded.has(hass)) return;
  loaded.add(hass);
  await hass.loadBackendTranslation("common", DOMAIN);
}

export function t(
  hass: HomeAssistant,
  key: string,
  values?: Record<string, string | number>,
): string {
  const text = hass.localize(`component.${DOMAIN}.common.${key}`, values);
  return text || key;
}

export function time(hass: HomeAssistant, iso: string | null, withDate = false): string {
  if (!iso) return "–";
  const value = new Date(iso);
  const zone = hass.config.time_zone;
  const today = localDate(hass, new Date());
  const clock = value.toLocaleTimeString(hass.language, {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: zone,
  });
  const day = localDate(hass, value);
  return withDate || day !== today ? `${day} ${clock}` : clock;
}

/** "YYYY-MM-DD" of an instant in Home Assistant's time zone. */
export function localDate(hass: HomeAssistant, value: Date): string {
  return value.toLocaleDateString("sv-SE", { timeZone: hass.config.time_zone });
}

export function duration(hass: HomeAssistant, sinceIso: string | null, now: number): string {
  if (!sinceIso) return "–";
  const minutes = Math.max(0, Math.floor((now - Date.parse(sinceIso)) / 60000));
  if (minutes < 60) return t(hass, "duration_minutes", { minutes });
  return t(hass, "duration_hours", { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
}

export function entityName(hass: HomeAssistant, entityId: string): string {
  return hass.states[entityId]?.attributes.friendly_name ?? entityId;
}
