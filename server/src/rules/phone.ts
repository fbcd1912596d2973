/**
 * Phone numbers as one canonical string (E.164, `+902125550199`), so that one number written two
 * ways is one number. libphonenumber-js with its small ("min") metadata: it knows every region's
 * country code, trunk prefix and number lengths, which is what normalising needs; it does not
 * know which ranges are assigned (nor does any call matching care).
 */
import { parsePhoneNumberFromString, isSupportedCountry, type CountryCode } from 'libphonenumber-js/min';
import { CALL_TIME_FUTURE_MS, CATEGORY, PHONE_CLICK, isPhoneNumber, type WireEvent } from '../wire.js';

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: string };

/** True for a region code the library knows (ISO 3166-1 alpha-2, upper case). */
export const isPhoneRegion = (region: string): boolean => /^[A-Z]{2}$/.test(region) && isSupportedCountry(region);

/**
 * Parses `raw` (international `+...`, or national in `region`) into E.164, or says why not.
 * Without a region only international numbers are understood.
 */
export function normalizePhone(raw: string, region: string | null): PhoneResult {
  const digits = raw.replace(/\D/g, '');
  if (digits.length === 0) return { ok: false, reason: 'phone_number has no digits.' };
  const international = raw.trim().startsWith('+');
  if (!international && !region) {
    return { ok: false, reason: 'phone_number must start with + and the country code (this site has no default region).' };
  }
  const parsed = parsePhoneNumberFromString(raw, international ? undefined : { defaultCountry: region as CountryCode });
  if (!parsed) return { ok: false, reason: 'phone_number is not a phone number.' };
  if (!parsed.isValid()) {
    return { ok: false, reason: `phone_number is not a valid number${parsed.country ? ` for ${parsed.country}` : ''} (wrong length or prefix).` };
  }
  return { ok: true, e164: parsed.number };
}


/**
 * The phone calls among a batch's events: `[index in events, E.164]` for each `conversion/
 * phone_click` whose label is a number the site's region (`regionOf(publicId)`) understands.
 * The label passes the checks /api/call-event gives `phone_number`, so an event records a call
 * exactly when the tracker's own call request would have; otherwise the event is stored and no
 * call is (that request got a 400, which the tracker dropped).
 */
export function phoneCalls(
  events: readonly WireEvent[],
  regionOf: (publicId: string) => string | null,
): Array<[number, string]> {
  const calls: Array<[number, string]> = [];
  events.forEach((e, n) => {
    if (e.ec !== CATEGORY.conversion || e.ea !== PHONE_CLICK || e.el === undefined || !isPhoneNumber(e.el)) return;
    const phone = normalizePhone(e.el, regionOf(e.s));
    if (phone.ok) calls.push([n, phone.e164]);
  });
  return calls;
}

/**
 * A call request naming its session is the call already recorded from that session's
 * phone_click when that one's time lies in [call_time - SAME_CALL_BEFORE_MS, call_time +
 * SAME_CALL_AFTER_MS]. An older tracker posts its own call too: its call_time is its clock a
 * moment after the event's `t`, while the stored event time is clamped to the server's now, so a
 * client clock ahead by up to CALL_TIME_FUTURE_MS puts the event's time that much before the call;
 * 30 s more on each side cover the time the batch took to arrive.
 */
export const SAME_CALL_BEFORE_MS = CALL_TIME_FUTURE_MS + 30_000;
export const SAME_CALL_AFTER_MS = 30_000;
