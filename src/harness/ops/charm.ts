import type { ConfigValue } from "../../model/metadata.js";
import { CharmEvents } from "./events.js";
import { type Framework, FrameworkObject } from "./framework.js";
import type { Application, Model, Unit } from "./model.js";

/** Base class of charms (Python ops: `ops.CharmBase`). Subclasses observe events in their constructor. */
export class CharmBase extends FrameworkObject {
  // Declared, not a class field (see FrameworkObject): a charm is built on every hook, each class
  // of charm with its own shape, and defining the field on so many shapes cost V8 a slow path.
  declare readonly on: CharmEvents;
  constructor(framework: Framework) {
    super(framework, null);
    this.on = new CharmEvents(this);
  }
  get model(): Model {
    return this.framework.model;
  }
  get unit(): Unit {
    return this.framework.model.unit;
  }
  get app(): Application {
    return this.framework.model.app;
  }
  get config(): Readonly<Record<string, ConfigValue>> {
    return this.framework.model.config;
  }
}

/** A charm class: constructed once per hook with a fresh framework. */
export type CharmClass<C extends CharmBase = CharmBase> = new (framework: Framework) => C;
