/** Base of the errors the certificate_transfer v1 library defines. */
export class TLSCertificatesError extends Error {
  override name = "TLSCertificatesError";
}

/**
 * A databag did not load as the expected model: a value that is not JSON ("invalid databag
 * contents: expecting json. ...") or JSON of the wrong shape ("failed to validate databag: ...").
 * The public methods catch it and log; it never escapes them.
 */
export class DataValidationError extends TLSCertificatesError {
  override name = "DataValidationError";
}
