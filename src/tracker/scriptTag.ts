/**
 * Build-time switch: the script-tag builds (rollup.config.mjs) replace this module with
 * `SCRIPT_TAG = true`. Their entry (script.ts) passes none of the npm-only options and runs only in
 * browsers, so the minifier drops the code that reads those options or guards test environments.
 */
export const SCRIPT_TAG: boolean = false;
