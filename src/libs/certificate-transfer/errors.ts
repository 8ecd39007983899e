/** Base of the errors the certificate_transfer v1 library defines. */
export class TLSCertificatesError extends Error {}
// Names live on the prototypes (not as instance fields): these errors are raised on hot paths.
TLSCertificatesError.prototype.name = "TLSCertificatesError";

/**
 * A databag did not load as the expected model: a value that is not JSON ("invalid databag
 * contents: expecting json. ...") or JSON of the wrong shape ("failed to validate databag: ...").
 * The public methods catch it and log; it never escapes them.
 */
export class DataValidationError extends TLSCertificatesError {}
DataValidationError.prototype.name = "DataValidationError";

/**
 * A DataValidationError without a captured stack trace. The library raises one whenever a bag
 * does not load (e.g. a requirer reading a provider that has not written yet, on every hook) and
 * always catches it to log; capturing the stack cost more than the rest of the load.
 */
export function dataValidationError(message: string, cause: unknown): DataValidationError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new DataValidationError(message, { cause });
  } finally {
    Error.stackTraceLimit = limit;
  }
}
