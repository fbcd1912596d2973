// Raw, gzip and brotli sizes, with one setting each for every file (the strongest levels a CDN
// would precompress with: gzip 9, brotli 11 in text mode).
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

export function sizes(buf) {
  return {
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
      },
    }).length,
  };
}
