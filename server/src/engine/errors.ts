/** Error classes the engine raises to its callers; every message says what failed and where. */

/** Base class: a run could not start or had to stop. */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** Settings that cannot be used for a run (missing credential, non-https base URL, …). Exit 2. */
export class ConfigurationError extends EngineError {
  constructor(message: string) {
    super(message, 'configuration');
    this.name = 'ConfigurationError';
  }
}

/** Another engine holds the lock on this state directory. */
export class LockedError extends EngineError {
  constructor(message: string) {
    super(message, 'locked');
    this.name = 'LockedError';
  }
}

/** An API could not be used right now (outage, throttled beyond the retry budget). Exit 1. */
export class UnavailableError extends EngineError {
  constructor(message: string) {
    super(message, 'unavailable');
    this.name = 'UnavailableError';
  }
}
