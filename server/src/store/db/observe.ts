/**
 * What a database adapter tells whoever watches it (the Node side feeds these into /metrics).
 * Plain callbacks: the Web-standard entry must not load a metrics library.
 */
export interface DbObserver {
  /** A call finished after `seconds`; ok is false when it failed. */
  query?(seconds: number, ok: boolean): void;
  /** A call found every pooled connection busy and had to wait for one. */
  poolWait?(): void;
  /** Connections in use now. */
  inUse?(count: number): void;
  /** The adapter stopped (up = false) or resumed (up = true) talking to the database. */
  state?(up: boolean, detail: string): void;
}
