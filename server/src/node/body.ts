/**
 * Reading a node:http request body for the handler, two ways over one pump: as a web stream that
 * pulls from the socket only as the handler reads, or (for the capped JSON bodies of the write
 * routes) straight into bytes, without the stream's per-chunk promises. Both refuse a body that
 * arrives too slowly (408), abort the request when the client leaves mid-body, and stop reading
 * when the handler stops early (a body over the cap): the response then closes the connection
 * instead of resetting it, so the client still gets its 413.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from '../http/http.js';
import { slowBodyGuard, type BodyRate } from './body-rate.js';

/** Whether the handler stopped reading before the end (the response then closes the connection). */
export interface BodyState {
  abandoned: boolean;
}

export interface BodyReader {
  /** The body as a web stream. */
  stream(): ReadableStream<Uint8Array>;
  /** The whole body, or `tooLarge()` as soon as it passes `limit` bytes. */
  upTo(limit: number, tooLarge: () => Error): Promise<Uint8Array>;
}

interface Sink {
  /** Takes a chunk; false asks for a pause until resumed. */
  chunk(bytes: Uint8Array): boolean;
  end(): void;
  error(err: unknown): void;
}

/** Feeds the body to `sink` once; returns what stops it early. */
function pump(req: IncomingMessage, state: BodyState, clientGone: () => void, rate: BodyRate, sink: Sink): { stop(): void } {
  let finished = false;
  const fail = (err: unknown) => {
    if (state.abandoned || finished) return;
    finished = true;
    guard.stop();
    sink.error(err);
  };
  // Too slow a body holds a connection for nothing: answered 408, the connection then closed.
  const guard = slowBodyGuard(rate, () => {
    fail(new HttpError(408, 'request_timeout', `The body arrived slower than ${rate.bytesPerSecond} bytes a second.`));
    state.abandoned = true;
  });
  req.on('data', (chunk: Buffer) => {
    if (state.abandoned || finished) return;
    guard.received(chunk.byteLength);
    if (!sink.chunk(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) req.pause();
  });
  req.on('end', () => {
    if (state.abandoned || finished) return;
    finished = true;
    guard.stop();
    sink.end();
  });
  // The client went away mid-body: its request is aborted first, so the handler logs it as the
  // client's doing (499 client_closed), not as a storage failure.
  const gone = (err: unknown) => {
    if (!finished) clientGone();
    fail(err);
  };
  req.on('error', gone);
  req.on('close', () => {
    if (!req.complete) gone(new Error('the client closed the connection mid-body'));
    guard.stop();
  });
  return {
    stop() {
      if (!finished) state.abandoned = true;
      guard.stop();
      req.pause();
    },
  };
}

export function bodyReader(req: IncomingMessage, state: BodyState, clientGone: () => void, rate: BodyRate): BodyReader {
  return {
    stream() {
      let control: { stop(): void } | undefined;
      return new ReadableStream<Uint8Array>(
        {
          start(controller) {
            control = pump(req, state, clientGone, rate, {
              chunk(bytes) {
                controller.enqueue(bytes);
                return (controller.desiredSize ?? 0) > 0;
              },
              end: () => controller.close(),
              error: (err) => controller.error(err),
            });
            req.pause();
          },
          pull() {
            req.resume();
          },
          cancel() {
            control?.stop();
          },
        },
        { highWaterMark: 16384, size: (chunk) => chunk.byteLength },
      );
    },
    upTo(limit, tooLarge) {
      return new Promise<Uint8Array>((resolve, reject) => {
        const chunks: Uint8Array[] = [];
        let size = 0;
        const control = pump(req, state, clientGone, rate, {
          chunk(bytes) {
            size += bytes.byteLength;
            if (size > limit) {
              // Stop the upload: the rest is never read.
              control.stop();
              reject(tooLarge());
              return true;
            }
            chunks.push(bytes);
            return true;
          },
          end: () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)),
          error: reject,
        });
      });
    },
  };
}
