// What the integration sends over the websocket, and the few Home Assistant
// frontend APIs the panel and the card use.

export type Status =
  | "alarm"
  | "grace"
  | "sensor_problem"
  | "not_supervised"
  | "acknowledged"
  | "paused"
  | "away"
  | "ok";

export interface Rules {
  bands: { start: string; end: string; minutes: number | null; weekdays: number[] }[];
  windows: { start: string; end: string; weekdays: number[] }[];
  continuous_minutes: number | null;
  grace_minutes: number;
  outing: null | {
    minutes: number;
    not_back: null | { start: string; end: string; minutes: number };
  };
  night_exit: null | { start: string; end: string; return_minutes: number };
  planned: null | { times: { at: string; weekdays: number[] }[]; lookback_minutes: number };
}

export interface Tile {
  id: string;
  device_id: string;
  label: string;
  status: Status;
  rank: number;
  still_since: string | null;
  last_motion: string | null;
  next_alarm: string | null;
  next_planned_check: string | null;
  action_plan: string;
  sensors: { entity_id: string; problem: string | null; battery_low: boolean }[];
  rules: Rules;
  grace_ends_at: string | null;
  away_since: string | null;
  alarm: null | {
    episode_id: string;
    reason: string;
    raised_at: string;
    still_since: string;
    window: string | null;
    door_opened_at: string | null;
    returned_at: string | null;
    acknowledged_at: string | null;
    acknowledged_by: string | null;
    motion_returned_at: string | null;
  };
  pause: null | { since: string; until: string | null; reason: string; by: string | null };
}

export interface JournalItem {
  id: number;
  at: string;
  apartment_id: string;
  apartment: string;
  kind: string;
  user: string | null;
  outcome: string | null;
  note: string | null;
  reason: string | null;
  until: string | null;
  sensor_id: string | null;
}

/** The unit banner: the care unit's own rules (network outage, test alarm). */
export interface Notices {
  network_outage: null | { since: string; count: number; of: number; apartments: string[] };
  test_alarm_pending: null | { sent_at: string; answer_by: string };
  test_alarm_unanswered: null | { sent_at: string; due_at: string };
}

export interface Unit {
  entry_id: string;
  title: string;
  notices: Notices;
  apartments: Tile[];
  journal: JournalItem[];
}

export type Update =
  | { type: "snapshot"; units: Unit[] }
  | { type: "apartment"; unit_id: string; apartment: Tile }
  | { type: "unit"; unit_id: string; notices: Notices }
  | { type: "journal"; unit_id: string; entries: JournalItem[] };

export interface HomeAssistant {
  language: string;
  config: { time_zone: string };
  states: Record<string, { attributes: { friendly_name?: string } }>;
  localize(key: string, values?: Record<string, string | number>): string;
  loadBackendTranslation(category: string, integration: string): Promise<unknown>;
  callWS<T>(msg: Record<string, unknown>): Promise<T>;
  connection: {
    subscribeMessage<T>(
      callback: (message: T) => void,
      msg: Record<string, unknown>,
    ): Promise<() => Promise<void>>;
  };
}

export const DOMAIN = "municipal_iot";

/** Apply one websocket message to the units held so far. */
export function applyUpdate(units: Unit[], update: Update): Unit[] {
  if (update.type === "snapshot") return update.units;
  return units.map((unit) => {
    if (unit.entry_id !== update.unit_id) return unit;
    if (update.type === "unit") return { ...unit, notices: update.notices };
    if (update.type === "apartment") {
      const apartments = unit.apartments.some((tile) => tile.id === update.apartment.id)
        ? unit.apartments.map((tile) => (tile.id === update.apartment.id ? update.apartment : tile))
        : [...unit.apartments, update.apartment];
      return { ...unit, apartments };
    }
    return { ...unit, journal: [...unit.journal, ...update.entries] };
  });
}

/** Tiles by urgency (alarm first), then by label as people count ("Lgh 2" before "Lgh 10"). */
export function byUrgency(tiles: Tile[]): Tile[] {
  return [...tiles].sort(
    (a, b) => a.rank - b.rank || a.label.localeCompare(b.label, undefined, { numeric: true }),
  );
}
