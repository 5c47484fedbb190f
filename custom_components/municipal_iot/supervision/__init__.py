"""Digital supervision ("digital tillsyn") for motion-sensor apartments.

Pure Python, no Home Assistant imports. The package turns motion-sensor state
changes into supervision events using per-apartment rules:

* :mod:`.rules` - rule configuration (time bands, check windows, grace, sensor
  health thresholds, escalation policy) and its plain-dict form stored in config
  entries.
* :mod:`.schedule` - local-time band and window occurrences (DST-correct).
* :mod:`.planned` - planned checks ("tillsynstillfällen"): the rule is in
  :mod:`.planned_rules`, the value parsers of every rule in :mod:`.parsing`.
* :mod:`.events` - the events the engine emits.
* :mod:`.state` - status values and the persisted state records.
* :mod:`.engine` - :class:`~.engine.ApartmentSupervisor`, one state machine per
  apartment; its docstring describes how an adapter drives it. Its rule
  families live in ``engine_*`` modules (the layers are listed in
  :mod:`.engine_core`).
* :mod:`.journal` - the supervision journal (retention, episodes, CSV export).
"""
