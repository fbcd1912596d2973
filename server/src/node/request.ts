/**
 * A Request-shaped view of a node:http request, for the Web-standard handler. Building undici's
 * `Request` (with its `Headers`, `AbortSignal` and body stream) cost about a tenth of the server's
 * CPU per single-event /api/sync request; this view reads the IncomingMessage directly and makes
 * the signal and the body stream only when a handler asks for them. It offers what the handlers
 * use (method, url, headers, signal, body and the body readers); handlers keep taking a real
 * `Request` on every other runtime.
 */
import type { IncomingMessage } from 'node:http';
import { readStreamCapped, type DirectBody } from '../http/http.js';
import type { BodyReader } from './body.js';

/** The read side of `Headers` over Node's parsed headers (names already lower-cased). */
export class NodeHeaders {
  constructor(private readonly raw: IncomingMessage['headers']) {}

  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    if (v === undefined) return null;
    // Node joins repeated headers itself and keeps only Set-Cookie as a list; `Headers` joins with ", ".
    return Array.isArray(v) ? v.join(', ') : v;
  }

  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }

  forEach(fn: (value: string, name: string, parent: NodeHeaders) => void): void {
    for (const [name, value] of this.entries()) fn(value, name, this);
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw).sort()) {
      const value = this.get(name);
      if (value !== null) yield [name, value];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

export class NodeRequest implements DirectBody {
  readonly method: string;
  readonly headers: NodeHeaders;
  private abort: AbortController | undefined;
  private gone = false;
  private stream: ReadableStream<Uint8Array> | null | undefined;
  private href: string | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly reader: BodyReader,
  ) {
    this.method = req.method ?? 'GET';
    this.headers = new NodeHeaders(req.headers);
  }

  get url(): string {
    this.href ??= absoluteUrl(this.req);
    return this.href;
  }

  /** Aborted when the client leaves before its answer is sent; made on first use. */
  get signal(): AbortSignal {
    if (!this.abort) {
      this.abort = new AbortController();
      if (this.gone) this.abort.abort();
    }
    return this.abort.signal;
  }

  /** The client went away: the signal, made now or later, is aborted. */
  clientGone(): void {
    this.gone = true;
    this.abort?.abort();
  }

  private get hasBody(): boolean {
    return this.method !== 'GET' && this.method !== 'HEAD';
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.stream === undefined) this.stream = this.hasBody ? this.reader.stream() : null;
    return this.stream;
  }

  get bodyUsed(): boolean {
    return this.stream === null && this.hasBody;
  }

  /**
   * The body read straight into bytes, capped (http.ts readBodyCapped); it can be read once. After
   * `body` or `clone()` made the stream, it is read from that stream instead.
   */
  async readBodyUpTo(limit: number, tooLarge: () => Error): Promise<Uint8Array> {
    if (!this.hasBody) return new Uint8Array(0);
    if (this.stream) return readStreamCapped(this.stream, limit, tooLarge);
    if (this.stream === null) throw new TypeError('The body was already read.');
    this.stream = null;
    return this.reader.upTo(limit, tooLarge);
  }

  /**
   * A real `Request` with the same method, URL, headers and body (the stream is teed, as
   * `Request.clone()` does), for code around the handler that reads the body first: a proxy, a
   * logger, a test double.
   */
  clone(): Request {
    const body = this.body;
    let copy: ReadableStream<Uint8Array> | null = null;
    if (body) [this.stream, copy] = body.tee();
    return new Request(this.url, { method: this.method, headers: [...this.headers], body: copy, signal: this.signal, duplex: 'half' } as RequestInit);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array> {
    const body = this.body;
    if (!body) return new Uint8Array(0);
    return new Uint8Array(await new Response(body).arrayBuffer());
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

/** The absolute URL, as `new Request()` would have it; a Host that is no host name reads as localhost. */
function absoluteUrl(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`).href;
  } catch {
    // The host only decides whether the first-party click-id cookie applies.
    return new URL(req.url ?? '/', 'http://localhost').href;
  }
}
