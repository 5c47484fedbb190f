// One live subscription to the integration (municipal_iot/subscribe): a
// snapshot, then each change. No polling; a ticking clock only re-renders
// "still for …".
import { ReactiveController, ReactiveControllerHost } from "lit";
import { DOMAIN, HomeAssistant, Unit, Update, applyUpdate } from "./api";
import { loadTexts } from "./texts";

export class LiveUnits implements ReactiveController {
  units: Unit[] | null = null;
  now = Date.now();
  loadedAt = 0;
  private unsubscribe: (() => Promise<void>) | null = null;
  private timer: number | undefined;
  private hass: HomeAssistant | null = null;
  private started = 0;

  constructor(private host: ReactiveControllerHost & { hass: HomeAssistant }) {
    host.addController(this);
  }

  hostConnected(): void {
    this.timer = window.setInterval(() => {
      this.now = Date.now();
      this.host.requestUpdate();
    }, 30_000);
    if (this.host.hass) this.connect(this.host.hass);
  }

  hostUpdate(): void {
    if (this.host.hass && this.host.hass !== this.hass && !this.unsubscribe) this.connect(this.host.hass);
  }

  hostDisconnected(): void {
    window.clearInterval(this.timer);
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    this.hass = null;
    if (unsubscribe) void unsubscribe();
  }

  /** Milliseconds since the subscription started. */
  elapsed(): number {
    return performance.now() - this.started;
  }

  private connect(hass: HomeAssistant): void {
    this.hass = hass;
    this.started = performance.now();
    void loadTexts(hass).then(() => this.host.requestUpdate());
    hass.connection
      .subscribeMessage<Update>((update) => {
        this.units = applyUpdate(this.units ?? [], update);
        if (update.type === "snapshot" && !this.loadedAt) {
          this.loadedAt = performance.now() - this.started;
        }
        this.now = Date.now();
        this.host.requestUpdate();
      }, { type: `${DOMAIN}/subscribe` })
      .then((unsubscribe) => {
        if (this.hass === hass) this.unsubscribe = unsubscribe;
        else void unsubscribe();
      });
  }
}
