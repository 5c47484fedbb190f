// The unit banner: the care unit's own rules above its tiles (network outage,
// test alarm). Used by the panel and the card.
import { LitElement, css, html, nothing } from "lit";
import { HomeAssistant, Notices } from "./api";
import { t, time } from "./texts";

const LISTED = 12; // apartments named in the network outage banner, then "and N more"

export class MiotNotices extends LitElement {
  declare hass: HomeAssistant;
  declare notices: Notices;

  static properties = { hass: { attribute: false }, notices: { attribute: false } };

  protected render() {
    const hass = this.hass;
    const notices = this.notices;
    const shown = [];
    const outage = notices.network_outage;
    if (outage) {
      const more = outage.apartments.length - LISTED;
      const listed = outage.apartments.slice(0, LISTED).join(", ");
      const apartments = more > 0 ? `${listed} ${t(hass, "panel_and_more", { count: more })}` : listed;
      shown.push(html`<div class="notice fault" data-notice="network_outage">
        <b>${t(hass, "panel_network_outage", { count: outage.count, total: outage.of })}</b>
        <div>${t(hass, "panel_network_outage_detail", { time: time(hass, outage.since), apartments })}</div>
      </div>`);
    }
    if (notices.test_alarm_unanswered) {
      shown.push(html`<div class="notice fault" data-notice="test_alarm_unanswered">
        <b>${t(hass, "panel_test_alarm_unanswered", { time: time(hass, notices.test_alarm_unanswered.sent_at) })}</b>
      </div>`);
    }
    const pending = notices.test_alarm_pending;
    if (pending) {
      shown.push(html`<div class="notice test" data-notice="test_alarm_pending">
        ${t(hass, "panel_test_alarm_pending", { time: time(hass, pending.sent_at), until: time(hass, pending.answer_by) })}
      </div>`);
    }
    return shown.length ? html`<div class="notices" role="status">${shown}</div>` : nothing;
  }

  static styles = css`
    :host { display: block; }
    .notices { display: flex; flex-direction: column; gap: 8px; margin: 0 0 12px; }
    .notice { padding: 10px 12px; border-radius: 12px; border-left: 8px solid var(--miot-color); background: color-mix(in srgb, var(--miot-color) 12%, var(--card-background-color, #fff)); color: var(--primary-text-color, #212121); overflow-wrap: anywhere; }
    .notice.fault { --miot-color: #8e24aa; }
    .notice.test { --miot-color: var(--info-color, #039be5); }
    .notice div { margin-top: 4px; }
  `;
}

if (!customElements.get("miot-notices")) customElements.define("miot-notices", MiotNotices);
