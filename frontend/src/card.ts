// Lovelace card "custom:municipal-iot-care-card": the unit banner and the tiles of one care unit.
//   type: custom:municipal-iot-care-card
//   entry_id: <the care unit's config entry id>   (optional: the first unit)
import { LitElement, css, html, nothing } from "lit";
import { HomeAssistant } from "./api";
import { LiveUnits } from "./live";
import { t } from "./texts";
import "./notices";
import "./tiles";

interface CardConfig {
  entry_id?: string;
  title?: string;
}

export class MunicipalIotCareCard extends LitElement {
  declare hass: HomeAssistant;
  declare private config: CardConfig;
  private live = new LiveUnits(this);

  static properties = { hass: { attribute: false }, config: { state: true } };

  setConfig(config: CardConfig): void {
    this.config = { ...config };
  }

  getCardSize(): number {
    return 3 + (this.live.units?.[0]?.apartments.length ?? 0);
  }

  static getStubConfig(): CardConfig {
    return {};
  }

  protected render() {
    const hass = this.hass;
    if (!hass || !this.config) return nothing;
    const units = this.live.units;
    const unit = units?.find((item) => item.entry_id === this.config.entry_id) ?? (this.config.entry_id ? undefined : units?.[0]);
    return html`<ha-card .header=${this.config.title ?? unit?.title ?? t(hass, "panel_title")}>
      <div class="content">
        ${units === null
          ? t(hass, "panel_loading")
          : unit
            ? html`<miot-notices .hass=${hass} .notices=${unit.notices}></miot-notices>
                <miot-unit .hass=${hass} .unit=${unit} .now=${this.live.now}></miot-unit>`
            : t(hass, "panel_card_no_unit")}
      </div>
    </ha-card>`;
  }

  static styles = css`.content { padding: 0 16px 16px; }`;
}
