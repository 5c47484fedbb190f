// The "Tillsyn" sidebar panel: every care unit with its banner (network
// outage, test alarm), its apartments as tiles sorted by urgency, the pauses,
// today's journal and the CSV download (all entries, alarms or planned checks).
import { LitElement, css, html, nothing } from "lit";
import { DOMAIN, HomeAssistant, Unit } from "./api";
import { LiveUnits } from "./live";
import { localDate, t, time } from "./texts";
import "./notices";
import "./tiles";

const CONTENTS = ["entries", "episodes", "planned_checks"];

type Range = { start: string; end: string; content: string };

export class MunicipalIotPanel extends LitElement {
  declare hass: HomeAssistant;
  declare narrow: boolean;
  declare private range: Record<string, Range>;
  private live = new LiveUnits(this);
  private renderedMs: number | null = null;
  private focusId: string | null = new URLSearchParams(window.location.search).get("apartment");

  static properties = {
    hass: { attribute: false },
    narrow: { type: Boolean },
    range: { state: true },
  };

  constructor() {
    super();
    this.range = {};
  }

  protected render() {
    const hass = this.hass;
    if (!hass) return nothing;
    const units = this.live.units;
    return html`
      <div class="toolbar">
        ${customElements.get("ha-menu-button")
          ? html`<ha-menu-button .hass=${hass} .narrow=${this.narrow}></ha-menu-button>`
          : nothing}
        <h1>${t(hass, "panel_title")}</h1>
      </div>
      <main data-loaded-ms=${this.live.loadedAt ? Math.round(this.live.loadedAt) : nothing}
        data-rendered-ms=${this.renderedMs || nothing}>
        ${units === null
          ? html`<p>${t(hass, "panel_loading")}</p>`
          : units.length === 0
            ? html`<p>${t(hass, "panel_no_units")}</p>`
            : units.map((unit) => this.renderUnit(unit))}
      </main>
    `;
  }

  protected updated(): void {
    // How long from subscribing to every tile shown (the browser test prints it).
    if (this.renderedMs === null && this.live.units && this.live.loadedAt) {
      this.renderedMs = 0;
      const units = [...this.renderRoot.querySelectorAll("miot-unit")] as LitElement[];
      void Promise.all(units.map((unit) => unit.updateComplete)).then(() => {
        this.renderedMs = Math.round(this.live.elapsed());
        this.requestUpdate();
      });
    }
  }

  private renderUnit(unit: Unit) {
    const hass = this.hass;
    const alarms = unit.apartments.filter((tile) => tile.alarm).length;
    const paused = unit.apartments.filter((tile) => tile.pause);
    const focus = unit.apartments.some((tile) => tile.id === this.focusId) ? this.focusId : null;
    if (focus) this.focusId = null;
    return html`
      <section class="unit" data-unit=${unit.entry_id}>
        <h2>${unit.title}</h2>
        <p class="summary">${t(hass, "panel_summary", { alarms, paused: paused.length, total: unit.apartments.length })}</p>
        <miot-notices .hass=${hass} .notices=${unit.notices}></miot-notices>
        <miot-unit .hass=${hass} .unit=${unit} .now=${this.live.now} .focusId=${focus}></miot-unit>
        <h3>${t(hass, "panel_pauses")}</h3>
        ${paused.length
          ? html`<ul class="list pauses">
              ${paused.map((tile) => html`<li>
                <b>${tile.label}</b>: ${t(hass, "panel_paused_until", { until: time(hass, tile.pause!.until, true) })}
                ${tile.pause!.by ? t(hass, "panel_paused_by", { user: tile.pause!.by }) : ""} · ${t(hass, `pause_reason_${tile.pause!.reason}`)}
              </li>`)}
            </ul>`
          : html`<p class="muted">${t(hass, "panel_no_pauses")}</p>`}
        <h3>${t(hass, "panel_journal_today")}</h3>
        ${this.renderJournal(unit)}
        ${this.renderDownload(unit)}
      </section>
    `;
  }

  private renderJournal(unit: Unit) {
    const hass = this.hass;
    const items = [...unit.journal].reverse().slice(0, 100);
    if (!items.length) return html`<p class="muted">${t(hass, "panel_journal_empty")}</p>`;
    return html`<ul class="list journal">
      ${items.map((item) => {
        const extra = [
          item.outcome ? t(hass, `outcome_${item.outcome}`) : "",
          item.kind === "paused" && item.reason ? t(hass, `pause_reason_${item.reason}`) : "",
          item.note ?? "",
        ].filter(Boolean);
        return html`<li data-kind=${item.kind}>
          <span class="when">${time(hass, item.at)}</span>
          <b>${item.apartment}</b> ${t(hass, `csv_event_${item.kind}`)}${extra.length ? `: ${extra.join(" · ")}` : ""}
          ${item.user ? html`<span class="who">(${item.user})</span>` : nothing}
        </li>`;
      })}
    </ul>`;
  }

  private renderDownload(unit: Unit) {
    const hass = this.hass;
    const today = localDate(hass, new Date());
    const range = this.range[unit.entry_id] ?? { start: today, end: today, content: "entries" };
    const set = (key: keyof Range, value: string) =>
      (this.range = { ...this.range, [unit.entry_id]: { ...range, [key]: value } });
    return html`<div class="download">
      <label>${t(hass, "panel_from")} <input type="date" name="start" .value=${range.start}
        @change=${(event: Event) => set("start", (event.target as HTMLInputElement).value)} /></label>
      <label>${t(hass, "panel_to")} <input type="date" name="end" .value=${range.end}
        @change=${(event: Event) => set("end", (event.target as HTMLInputElement).value)} /></label>
      <label>${t(hass, "panel_content")} <select name="content" .value=${range.content}
        @change=${(event: Event) => set("content", (event.target as HTMLSelectElement).value)}>
        ${CONTENTS.map((content) => html`<option value=${content} ?selected=${range.content === content}>${t(hass, `panel_content_${content}`)}</option>`)}
      </select></label>
      <button class="primary" name="download" @click=${() => this.download(unit, range)}>${t(hass, "panel_download")}</button>
    </div>`;
  }

  private async download(unit: Unit, range: Range): Promise<void> {
    const language = this.hass.language.startsWith("sv") ? "sv" : "en";
    const { url } = await this.hass.callWS<{ url: string }>({
      type: `${DOMAIN}/journal_url`,
      entry_id: unit.entry_id,
      start: range.start,
      end: range.end,
      content: range.content,
      language,
    });
    const link = document.createElement("a");
    link.href = url;
    link.download = "";
    this.renderRoot.appendChild(link);
    link.click();
    link.remove();
  }

  static styles = css`
    :host { display: block; min-height: 100vh; background: var(--primary-background-color, #fafafa); color: var(--primary-text-color, #212121); font-size: 16px; }
    .toolbar { display: flex; align-items: center; gap: 8px; height: 56px; padding: 0 12px; background: var(--app-header-background-color, var(--primary-color, #03a9f4)); color: var(--app-header-text-color, #fff); position: sticky; top: 0; z-index: 2; }
    h1 { font-size: 1.25rem; margin: 0; font-weight: 500; }
    main { padding: 12px; max-width: 1200px; margin: 0 auto; }
    h2 { margin: 8px 0 0; font-size: 1.3rem; }
    h3 { margin: 20px 0 6px; font-size: 1.05rem; }
    .summary, .muted { color: var(--secondary-text-color, #727272); margin: 4px 0 10px; }
    .list { list-style: none; padding: 0; margin: 0; background: var(--card-background-color, #fff); border-radius: 12px; }
    .list li { padding: 8px 12px; border-bottom: 1px solid var(--divider-color, #e0e0e0); }
    .list li:last-child { border-bottom: none; }
    .when { color: var(--secondary-text-color, #727272); margin-right: 6px; font-variant-numeric: tabular-nums; }
    .who { color: var(--secondary-text-color, #727272); }
    .download { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin: 16px 0 32px; }
    .download label { display: flex; flex-direction: column; font-size: 0.9rem; gap: 2px; }
    input, select { font: inherit; padding: 8px; min-height: 40px; box-sizing: border-box; border-radius: 8px; border: 1px solid var(--divider-color, #ccc); background: var(--card-background-color, #fff); color: inherit; }
    button { font: inherit; min-height: 44px; padding: 0 16px; border-radius: 22px; border: none; cursor: pointer; background: var(--primary-color, #03a9f4); color: var(--text-primary-color, #fff); font-weight: 600; }
  `;
}
