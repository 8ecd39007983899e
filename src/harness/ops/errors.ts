/** Base of errors raised by the ops-like model API (Python ops: `ModelError`). */
export class ModelError extends Error {
  override name = "ModelError";
}

/** A databag read or write that Juju would refuse (wrong unit, not leader, remote bag...). */
export class RelationDataAccessError extends ModelError {
  override name = "RelationDataAccessError";
}

/** A databag key or value that is not a string. */
export class RelationDataTypeError extends ModelError {
  override name = "RelationDataTypeError";
}

/** A databag of a relation this unit does not know (Python ops: `RelationNotFoundError`). */
export class RelationNotFoundError extends ModelError {
  override name = "RelationNotFoundError";
}

/** A status a charm may not set (error, unknown) or a value that is not a Status. */
export class InvalidStatusError extends ModelError {
  override name = "InvalidStatusError";
}

/** `getRelation(endpoint)` without an id when the endpoint has several relations. */
export class TooManyRelatedAppsError extends ModelError {
  override name = "TooManyRelatedAppsError";
  constructor(
    readonly endpoint: string,
    readonly count: number,
  ) {
    super(`endpoint "${endpoint}" has ${count} relations; pass a relation id to getRelation`);
  }
}

/** A lookup of something that is not there (Python: `KeyError`), e.g. a bag keyed by a null app. */
export class KeyError extends ModelError {
  override name = "KeyError";
}

/** `credential-get` on an application that has not been granted `juju trust`. */
export class PermissionDeniedError extends ModelError {
  override name = "PermissionDeniedError";
}
