/** Types for topics.js (plain JavaScript, so a browser can load it without a build). */
export declare function siteTopic(siteId: string): string;
export declare function realtimeTables(now?: Date): string[];
