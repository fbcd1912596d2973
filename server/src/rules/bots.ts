/**
 * Known bots are answered like anyone else but not stored. isbot's list counts headless browsers
 * (`HeadlessChrome`) and HTTP libraries (`node`, `curl`) as bots; tests that drive a headless
 * browser give it an ordinary user agent or pass their own `isBot`.
 */
import { isbot } from 'isbot';

export type BotDetector = (userAgent: string) => boolean;

export const defaultIsBot: BotDetector = (userAgent) => userAgent !== '' && isbot(userAgent);
