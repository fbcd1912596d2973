/**
 * Known bots are answered like anyone else but not stored. isbot's list counts headless browsers
 * (`HeadlessChrome`) and HTTP libraries (`node`, `curl`) as bots; tests that drive a headless
 * browser give it an ordinary user agent or pass their own `isBot`.
 */
import { isbot } from 'isbot';

export type BotDetector = (userAgent: string) => boolean;

// isbot runs one long regular expression (about 2% of a single-event request's CPU), and a
// server sees the same few hundred user agents again and again: answers are remembered, in a
// table emptied whenever it reaches its bound so that made-up agents cannot grow it.
const MEMO_MAX = 1000;
const memo = new Map<string, boolean>();

export const defaultIsBot: BotDetector = (userAgent) => {
  if (userAgent === '') return false;
  let bot = memo.get(userAgent);
  if (bot === undefined) {
    if (memo.size >= MEMO_MAX) memo.clear();
    bot = isbot(userAgent);
    memo.set(userAgent, bot);
  }
  return bot;
};
