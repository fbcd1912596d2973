/**
 * Build-time switch: the script-tag build replaces this module with `DEBUG = false`, so the minifier
 * drops every warning and its text. The npm build keeps them behind the `debug` option.
 */
export const DEBUG: boolean = true;
