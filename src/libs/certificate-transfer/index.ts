/** The certificate_transfer charm library ports: v0, v1 (faithful) and v1 fixed. */

export { DataValidationError, TLSCertificatesError } from "./errors.js";
export { hookSetOrder } from "./set-order.js";
export * as v0 from "./v0.js";
export * as v1 from "./v1.js";
export * as v1Fixed from "./v1-fixed.js";
