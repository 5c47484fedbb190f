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

// Intl formatters are costly to create: one per language and time zone.
const formats = new Map<string, Intl.DateTimeFormat>();

function format(locale: string, zone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${zone}|${JSON.stringify(options)}`;
  let formatter = formats.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, { ...options, timeZone: zone });
    formats.set(key, formatter);
  }
  return formatter;
}

export function time(hass: HomeAssistant, iso: string | null, withDate = false): string {
  if (!iso) return "–";
  const value = new Date(iso);
  const clock = format(hass.language, hass.config.time_zone, {
    hour: "2-digit",
    minute: "2-digit",
  }).format(value);
  const day = localDate(hass, value);
  return withDate || day !== localDate(hass, new Date()) ? `${day} ${clock}` : clock;
}

/** "YYYY-MM-DD" of an instant in Home Assistant's time zone. */
export function localDate(hass: HomeAssistant, value: Date): string {
  return format("sv-SE", hass.config.time_zone, {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(value);
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
