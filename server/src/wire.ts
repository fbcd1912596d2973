/**
 * The wire format, from its one source (the tracker package's src/wire.ts): the server validates
 * with the same keys, limits and schemas the tracker encodes with. Server modules import it from
 * here, so only this file reaches across the packages; the build bundles it in.
 */
export * from '../../src/wire.js';
