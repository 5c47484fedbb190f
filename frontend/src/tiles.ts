// One care unit's apartments as tiles, sorted by urgency, with the staff
// actions: "Jag tar det", "Avsluta" (an outcome and an optional note) and
// "Pausa" (a reason and an end). Used by the panel and the card.
import { LitElement, css, html, nothing } from "lit";
import { DOMAIN, HomeAssistant, Tile, Unit, byUrgency } from "./api";
import { duration, entityName, localDate, t, time } from "./texts";

const OUTCOMES = ["visited_all_ok", "visited_needed_help", "false_alarm", "technical_fault"];
const REASONS = ["away", "hospital", "guests", "other"];
const NOTE_MAX = 200;

type Dialog =
  | { kind: "close"; tile: Tile; outcome: string; note: string }
  | { kind: "pause"; tile: Tile; reason: string; end: string; custom: string };

export class MiotUnit extends LitElement {
  declare hass: HomeAssistant;
  declare unit: Unit;
  declare focusId: string | null;
  declare now: number;
  declare private dialog: Dialog | null;
  declare private error: string;
  declare private open: Set<string>;

  static properties = {
    hass: { attribute: false },
    unit: { attribute: false },
    focusId: { attribute: false },
    now: { attribute: false },
    dialog: { state: true },
    error: { state: true },
    open: { state: true },
  };

  constructor() {
    super();
    this.focusId = null;
    this.now = Date.now();
    this.dialog = null;
    this.error = "";
    this.open = new Set();
  }

  protected updated(): void {
    if (this.focusId) {
      const tile = this.renderRoot.querySelector(`[data-apartment="${this.focusId}"]`);
      if (tile) {
        tile.scrollIntoView({ block: "center" });
        this.focusId = null;
      }
    }
  }

  private async call(type: string, tile: Tile, data: Record<string, unknown> = {}): Promise<boolean> {
    this.error = "";
    try {
      await this.hass.callWS({
        type: `${DOMAIN}/${type}`,
        entry_id: this.unit.entry_id,
        apartment_id: tile.id,
        ...data,
      });
      return true;
    } catch (err) {
      const message = (err as { message?: string }).message ?? String(err);
      this.error = t(this.hass, "panel_error", { message });
      return false;
    }
  }

  private pauseEnd(dialog: Extract<Dialog, { kind: "pause" }>): string | null {
    // Naive times are read in Home Assistant's time zone by the integration.
    if (dialog.end === "hour") return new Date(this.now + 3600_000).toISOString();
    if (dialog.end === "tomorrow") {
      const tomorrow = new Date(Date.parse(`${localDate(this.hass, new Date(this.now))}T12:00:00Z`) + 86400_000);
      return `${tomorrow.toISOString().slice(0, 10)}T07:00:00`;
    }
    return dialog.custom ? `${dialog.custom}:00` : null;
  }

  private async confirm(): Promise<void> {
    const dialog = this.dialog;
    if (!dialog) return;
    let done = false;
    if (dialog.kind === "close") {
      done = await this.call("close", dialog.tile, {
        outcome: dialog.outcome,
        note: dialog.note.trim(),
      });
    } else {
      const until = this.pauseEnd(dialog);
      if (!until) {
        this.error = t(this.hass, "panel_pause_end_past");
        return;
      }
      done = await this.call("pause", dialog.tile, { reason: dialog.reason, until });
    }
    if (done) this.dialog = null;
  }

  private toggle(id: string): void {
    const open = new Set(this.open);
    if (open.has(id)) open.delete(id);
    else open.add(id);
    this.open = open;
  }

  protected render() {
    const tiles = byUrgency(this.unit.apartments);
    return html`
      ${this.error && !this.dialog ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <div class="tiles">${tiles.map((tile) => this.renderTile(tile))}</div>
      ${this.dialog ? this.renderDialog(this.dialog) : nothing}
    `;
  }

  private renderTile(tile: Tile) {
    const hass = this.hass;
    const alarm = tile.alarm;
    const lines = [];
    if (alarm) {
      lines.push(html`<div class="line strong">${t(hass, "panel_alarm_since", { time: time(hass, alarm.raised_at) })}</div>`);
      if (alarm.door_opened_at) {
        lines.push(html`<div class="line strong">${t(hass, "panel_door_opened", { time: time(hass, alarm.door_opened_at) })}</div>`);
      }
      if (alarm.returned_at) {
        lines.push(html`<div class="line">${t(hass, "panel_returned", { time: time(hass, alarm.returned_at) })}</div>`);
      }
      if (alarm.acknowledged_by || alarm.acknowledged_at) {
        lines.push(html`<div class="line">${t(hass, "panel_acknowledged_by", { user: alarm.acknowledged_by ?? "–", time: time(hass, alarm.acknowledged_at) })}</div>`);
      }
      if (alarm.motion_returned_at) {
        lines.push(html`<div class="line">${t(hass, "panel_motion_returned", { time: time(hass, alarm.motion_returned_at) })}</div>`);
      }
    }
    if (tile.away_since) {
      lines.push(html`<div class="line">${t(hass, "panel_away_since", { time: time(hass, tile.away_since) })}</div>`);
    }
    if (tile.status === "grace" && tile.grace_ends_at) {
      lines.push(html`<div class="line strong">${t(hass, "panel_grace_until", { time: time(hass, tile.grace_ends_at) })}</div>`);
    }
    if (tile.pause) {
      const by = tile.pause.by ? ` ${t(hass, "panel_paused_by", { user: tile.pause.by })}` : "";
      lines.push(html`<div class="line">${t(hass, "panel_paused_until", { until: time(hass, tile.pause.until, true) })}${by} · ${t(hass, `pause_reason_${tile.pause.reason}`)}</div>`);
    }
    if (tile.next_planned_check) {
      lines.push(html`<div class="line planned">${t(hass, "panel_next_planned_check", { time: time(hass, tile.next_planned_check) })}</div>`);
    }
    if (!tile.away_since || alarm) {
      lines.push(html`<div class="line">${t(hass, "panel_still", { duration: duration(hass, alarm ? alarm.still_since : tile.still_since, this.now) })}</div>`);
    }
    const problems = tile.sensors.filter((sensor) => sensor.problem || sensor.battery_low);
    for (const sensor of problems) {
      const what = sensor.problem ? t(hass, "panel_sensor_fault") : t(hass, "panel_battery_low");
      lines.push(html`<div class="line warn">${entityName(hass, sensor.entity_id)}: ${what}</div>`);
    }
    return html`
      <article class="tile ${tile.status}" data-apartment=${tile.id} data-status=${tile.status}>
        <header>
          <h3>${tile.label}</h3>
          <span class="badge">${t(hass, `panel_status_${tile.status}`)}</span>
        </header>
        ${lines}
        ${alarm && tile.action_plan
          ? html`<div class="plan"><b>${t(hass, "panel_action_plan")}:</b> ${tile.action_plan}</div>`
          : nothing}
        <div class="actions">
          ${this.renderActions(tile)}
          <button class="link" @click=${() => this.toggle(tile.id)} aria-expanded=${this.open.has(tile.id)}>
            ${t(hass, "panel_details")}
          </button>
        </div>
        ${this.open.has(tile.id) ? this.renderDetails(tile) : nothing}
      </article>
    `;
  }

  private renderActions(tile: Tile) {
    const hass = this.hass;
    const buttons = [];
    if (tile.alarm && !tile.alarm.acknowledged_at) {
      buttons.push(html`<button class="primary" @click=${() => this.call("acknowledge", tile)}>${t(hass, "panel_acknowledge")}</button>`);
    }
    if (tile.alarm) {
      buttons.push(html`<button class="primary" @click=${() => {
        this.error = "";
        this.dialog = { kind: "close", tile, outcome: "", note: "" };
      }}>${t(hass, "panel_close")}</button>`);
    }
    if (tile.pause) {
      buttons.push(html`<button @click=${() => this.call("resume", tile)}>${t(hass, "panel_resume")}</button>`);
    } else if (!tile.alarm) {
      buttons.push(html`<button @click=${() => {
        this.error = "";
        this.dialog = { kind: "pause", tile, reason: "", end: "hour", custom: "" };
      }}>${t(hass, "panel_pause")}</button>`);
    }
    return buttons;
  }

  private renderDetails(tile: Tile) {
    const hass = this.hass;
    const rules = tile.rules;
    const items = [
      ...rules.bands
        .filter((band) => band.minutes)
        .map((band) => t(hass, "panel_rule_band", { band: `${band.start}–${band.end}`, minutes: band.minutes ?? 0 })),
      ...rules.windows.map((window) => t(hass, "panel_rule_window", { window: `${window.start}–${window.end}` })),
      ...(rules.continuous_minutes ? [t(hass, "panel_rule_continuous", { minutes: rules.continuous_minutes })] : []),
      ...(rules.outing ? [t(hass, "panel_rule_outing", { minutes: rules.outing.minutes })] : []),
      ...(rules.outing?.not_back
        ? [t(hass, "panel_rule_not_back", { band: `${rules.outing.not_back.start}–${rules.outing.not_back.end}`, minutes: rules.outing.not_back.minutes })]
        : []),
      ...(rules.night_exit ? [t(hass, "panel_rule_night_exit", { band: `${rules.night_exit.start}–${rules.night_exit.end}` })] : []),
      ...(rules.planned ? [t(hass, "panel_rule_planned", { times: rules.planned.times.map((item) => item.at).join(", ") })] : []),
    ];
    return html`
      <dl class="details">
        <dt>${t(hass, "panel_last_motion")}</dt>
        <dd>${tile.last_motion ? time(hass, tile.last_motion) : t(hass, "panel_never")}</dd>
        ${tile.next_alarm && !tile.alarm
          ? html`<dt>${t(hass, "panel_next_alarm")}</dt><dd>${time(hass, tile.next_alarm)}</dd>`
          : nothing}
        <dt>${t(hass, "panel_sensors")}</dt>
        <dd>${tile.sensors.map((sensor) => html`<div>${entityName(hass, sensor.entity_id)}</div>`)}</dd>
        <dt>${t(hass, "panel_rules")}</dt>
        <dd>
          ${items.length ? items.map((item) => html`<div>${item}</div>`) : t(hass, "panel_no_rules")}
          <div>${t(hass, "panel_rule_grace", { minutes: rules.grace_minutes })}</div>
        </dd>
        ${tile.action_plan
          ? html`<dt>${t(hass, "panel_action_plan")}</dt><dd>${tile.action_plan}</dd>`
          : nothing}
      </dl>
    `;
  }

  private renderDialog(dialog: Dialog) {
    const hass = this.hass;
    const label = dialog.tile.label;
    const cancel = html`<button @click=${() => (this.dialog = null)}>${t(hass, "panel_cancel")}</button>`;
    if (dialog.kind === "close") {
      const withoutMotion = !this.unit.apartments.find((tile) => tile.id === dialog.tile.id)?.alarm?.motion_returned_at;
      return html`
        <div class="scrim" role="dialog" aria-modal="true" aria-label=${t(hass, "panel_close_title", { apartment: label })}>
          <div class="dialog">
            <h2>${t(hass, "panel_close_title", { apartment: label })}</h2>
            <fieldset>
              <legend>${t(hass, "panel_outcome")}</legend>
              <div class="chips">
                ${OUTCOMES.map((outcome) => html`
                  <button class="chip" data-outcome=${outcome} aria-pressed=${dialog.outcome === outcome}
                    @click=${() => (this.dialog = { ...dialog, outcome })}>${t(hass, `outcome_${outcome}`)}</button>`)}
              </div>
            </fieldset>
            ${withoutMotion ? html`<p class="hint">${t(hass, "panel_without_motion")}</p>` : nothing}
            <label class="field">
              <span>${t(hass, "panel_note")}</span>
              <textarea name="note" maxlength=${NOTE_MAX} rows="2" .value=${dialog.note}
                @input=${(event: Event) => (this.dialog = { ...dialog, note: (event.target as HTMLTextAreaElement).value })}></textarea>
              <small>${t(hass, "panel_note_helper")}</small>
            </label>
            ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
            <div class="actions end">
              ${cancel}
              <button class="primary" name="confirm" ?disabled=${!dialog.outcome} @click=${() => this.confirm()}>
                ${t(hass, "panel_confirm_close")}
              </button>
            </div>
          </div>
        </div>
      `;
    }
    return html`
      <div class="scrim" role="dialog" aria-modal="true" aria-label=${t(hass, "panel_pause_title", { apartment: label })}>
        <div class="dialog">
          <h2>${t(hass, "panel_pause_title", { apartment: label })}</h2>
          <fieldset>
            <legend>${t(hass, "panel_reason")}</legend>
            <div class="chips">
              ${REASONS.map((reason) => html`
                <button class="chip" data-reason=${reason} aria-pressed=${dialog.reason === reason}
                  @click=${() => (this.dialog = { ...dialog, reason })}>${t(hass, `pause_reason_${reason}`)}</button>`)}
            </div>
          </fieldset>
          <fieldset>
            <legend>${t(hass, "panel_until")}</legend>
            <div class="chips">
              ${[["hour", "panel_one_hour"], ["tomorrow", "panel_tomorrow_7"], ["custom", "panel_custom_time"]].map(
                ([end, key]) => html`
                  <button class="chip" data-end=${end} aria-pressed=${dialog.end === end}
                    @click=${() => (this.dialog = { ...dialog, end })}>${t(hass, key)}</button>`,
              )}
            </div>
            ${dialog.end === "custom"
              ? html`<input type="datetime-local" name="until" .value=${dialog.custom}
                  @input=${(event: Event) => (this.dialog = { ...dialog, custom: (event.target as HTMLInputElement).value })} />`
              : nothing}
          </fieldset>
          ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
          <div class="actions end">
            ${cancel}
            <button class="primary" name="confirm" ?disabled=${!dialog.reason} @click=${() => this.confirm()}>
              ${t(hass, "panel_confirm_pause")}
            </button>
          </div>
        </div>
      </div>
    `;
  }

  static styles = css`
    :host { display: block; }
    .tiles { display: grid; gap: 12px; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); }
    .tile {
      background: var(--card-background-color, #fff); color: var(--primary-text-color, #212121);
      border-radius: 12px; padding: 10px 14px; border-left: 8px solid var(--miot-color);
      box-shadow: var(--ha-card-box-shadow, 0 1px 3px rgba(0, 0, 0, 0.2));
      --miot-color: var(--success-color, #43a047);
    }
    .tile.alarm { --miot-color: var(--error-color, #db4437); background: color-mix(in srgb, var(--error-color, #db4437) 12%, var(--card-background-color, #fff)); }
    .tile.grace { --miot-color: var(--warning-color, #ffa600); }
    .tile.sensor_problem { --miot-color: #8e24aa; }
    .tile.not_supervised { --miot-color: var(--disabled-text-color, #9e9e9e); }
    .tile.acknowledged { --miot-color: var(--info-color, #039be5); }
    .tile.paused { --miot-color: #607d8b; }
    .tile.away { --miot-color: #5c6bc0; }
    header { display: flex; align-items: center; justify-content: space-between; gap: 8px; }
    h3 { margin: 0; font-size: 1.15rem; }
    .badge { background: var(--miot-color); color: #fff; border-radius: 999px; padding: 2px 10px; font-weight: 600; font-size: 0.9rem; white-space: nowrap; }
    .line { margin-top: 4px; }
    .strong { font-weight: 600; }
    .warn { color: #8e24aa; }
    .plan { margin-top: 8px; padding: 6px 8px; border-radius: 8px; background: rgba(0, 0, 0, 0.05); }
    .actions { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-top: 8px; }
    .actions.end { justify-content: flex-end; }
    button {
      font: inherit; min-height: 44px; padding: 0 16px; border-radius: 22px; cursor: pointer;
      border: 1px solid var(--divider-color, #ccc); background: transparent; color: inherit;
    }
    button.primary { background: var(--primary-color, #03a9f4); color: var(--text-primary-color, #fff); border-color: transparent; font-weight: 600; }
    button:disabled { opacity: 0.5; cursor: default; }
    button.link { border: none; padding: 0 4px; margin-left: auto; color: var(--primary-color, #03a9f4); }
    .details { margin: 6px 0 0; display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; font-size: 0.95rem; }
    .details dt { color: var(--secondary-text-color, #727272); }
    .details dd { margin: 0; }
    .scrim { position: fixed; inset: 0; background: rgba(0, 0, 0, 0.45); display: flex; align-items: flex-end; justify-content: center; z-index: 10; }
    .dialog { background: var(--card-background-color, #fff); color: var(--primary-text-color, #212121); width: 100%; max-width: 520px; border-radius: 16px 16px 0 0; padding: 16px; box-sizing: border-box; max-height: 90vh; overflow: auto; }
    @media (min-width: 600px) { .scrim { align-items: center; } .dialog { border-radius: 16px; } }
    .dialog h2 { margin: 0 0 8px; font-size: 1.2rem; }
    fieldset { border: none; padding: 0; margin: 8px 0; }
    legend { font-weight: 600; margin-bottom: 6px; }
    .chips { display: flex; flex-wrap: wrap; gap: 8px; }
    .chip[aria-pressed="true"] { background: var(--primary-color, #03a9f4); color: var(--text-primary-color, #fff); border-color: transparent; }
    .field { display: flex; flex-direction: column; gap: 4px; margin: 8px 0; }
    textarea, input { font: inherit; padding: 8px; border-radius: 8px; border: 1px solid var(--divider-color, #ccc); background: transparent; color: inherit; }
    input[type="datetime-local"] { margin-top: 8px; min-height: 40px; }
    small, .hint { color: var(--secondary-text-color, #727272); }
    .error { color: var(--error-color, #db4437); font-weight: 600; }
  `;
}

if (!customElements.get("miot-unit")) customElements.define("miot-unit", MiotUnit);
