import { z } from "zod";

export const statusNames = [
  "active",
  "blocked",
  "waiting",
  "maintenance",
  "unknown",
  "error",
] as const;
export type StatusName = (typeof statusNames)[number];

/** A unit or application workload status, as plain immutable data. */
export class Status {
  // Declared, not class fields: the subclasses give V8 one shape per status kind, and defining
  // class fields on several shapes takes its slow path (statuses are set on most hooks).
  declare readonly name: StatusName;
  declare readonly message: string;
  constructor(name: StatusName, message = "") {
    this.name = name;
    this.message = message;
    Object.freeze(this);
  }
  equals(other: Status): boolean {
    return this.name === other.name && this.message === other.message;
  }
  toJSON(): { name: StatusName; message: string } {
    return { name: this.name, message: this.message };
  }
  toString(): string {
    return this.message ? `${this.name}: ${this.message}` : this.name;
  }
}

export class ActiveStatus extends Status {
  constructor(message = "") {
    super("active", message);
  }
}
export class BlockedStatus extends Status {
  constructor(message = "") {
    super("blocked", message);
  }
}
export class WaitingStatus extends Status {
  constructor(message = "") {
    super("waiting", message);
  }
}
export class MaintenanceStatus extends Status {
  constructor(message = "") {
    super("maintenance", message);
  }
}
export class UnknownStatus extends Status {
  constructor() {
    super("unknown", "");
  }
}
export class ErrorStatus extends Status {
  constructor(message = "") {
    super("error", message);
  }
}

export const statusSchema = z.object({ name: z.enum(statusNames), message: z.string() });

/** Builds the matching Status subclass from plain data. */
export function statusFrom(data: { name: StatusName; message: string }): Status {
  switch (data.name) {
    case "active":
      return new ActiveStatus(data.message);
    case "blocked":
      return new BlockedStatus(data.message);
    case "waiting":
      return new WaitingStatus(data.message);
    case "maintenance":
      return new MaintenanceStatus(data.message);
    case "unknown":
      return new UnknownStatus();
    case "error":
      return new ErrorStatus(data.message);
  }
}
